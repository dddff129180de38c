import { afterEach, describe, expect, it } from 'vitest';
import { LockdownError } from '../../src/main/device/errors';
import { connectDevice, decodePairRecord, encodePairRecord, pairDevice, unpairDevice } from '../../src/main/device/lockdown';
import { type MuxDevice, UsbmuxClient } from '../../src/main/device/usbmux';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

let harness: SimHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

async function setUp(trust: 'accept' | 'deny' | 'ask', locked = false): Promise<{ mux: UsbmuxClient; device: MuxDevice; h: SimHarness }> {
  const h = await startSimHarness({ trust });
  harness = h;
  if (locked) h.sim.devices()[0]?.setFaults({ locked: true });
  const mux = new UsbmuxClient({ address: h.sim.address, timeoutMs: 10_000 });
  return { mux, device: await mux.findDevice(), h };
}

async function expectLockdownError(promise: Promise<unknown>, code: string): Promise<LockdownError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(LockdownError);
  expect((error as LockdownError).code).toBe(code);
  return error as LockdownError;
}

describe('pairing with the virtual iPhone (protocol.md §2.5)', () => {
  it('pairs when the person taps Trust, saves a full record through usbmuxd, and starts a TLS session', async () => {
    const { mux, device } = await setUp('accept');
    const record = await pairDevice(device, { mux });
    expect(record.hostId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(record.systemBuid).toBe(await mux.readBuid());
    expect(record.escrowBag?.length).toBeGreaterThan(0);

    const stored = await mux.readPairRecord(device.udid);
    expect(stored?.subarray(0, 8).toString()).toBe('bplist00');
    const decoded = decodePairRecord(stored as Buffer);
    expect(decoded.hostId).toBe(record.hostId);
    expect(decoded.hostPrivateKey.toString()).toContain('BEGIN PRIVATE KEY');
    expect(decoded.wifiMacAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);

    const connection = await connectDevice(device.udid, { mux });
    try {
      expect(connection.session.sslEnabled).toBe(true);
      expect(connection.lockdown.isTls).toBe(true);
      expect(typeof (await connection.session.getValue(undefined, 'SerialNumber'))).toBe('string');
    } finally {
      await connection.close();
    }
  });

  it('fails with UserDeniedPairing and saves nothing when the person taps Don\'t Trust', async () => {
    const { mux, device } = await setUp('deny');
    const error = await expectLockdownError(pairDevice(device, { mux }), 'UserDeniedPairing');
    expect(error.message).toMatch(/Don't Trust/);
    expect(await mux.readPairRecord(device.udid)).toBeUndefined();
  });

  it('fails with PasswordProtected and tells the person to unlock when the phone is locked', async () => {
    const { mux, device } = await setUp('accept', true);
    const error = await expectLockdownError(pairDevice(device, { mux }), 'PasswordProtected');
    expect(error.message).toMatch(/Unlock your iPhone/);
  });

  it('polls while the trust dialog is up and succeeds once the person answers', async () => {
    const { mux, device, h } = await setUp('ask');
    const phone = h.sim.device(device.udid);
    let shown = 0;
    const record = await pairDevice(device, {
      mux,
      pollIntervalMs: 20,
      onDialogShown: () => {
        shown++;
        phone.answerTrustPrompt(true);
      },
    });
    expect(shown).toBe(1);
    expect(await mux.readPairRecord(device.udid)).toBeDefined();
    expect(record.escrowBag).toBeDefined();
  });

  it('gives up with PairingTimeout when nobody answers', async () => {
    const { mux, device } = await setUp('ask');
    const error = await expectLockdownError(pairDevice(device, { mux, pollIntervalMs: 20, dialogTimeoutMs: 100 }), 'PairingTimeout');
    expect(error.message).toMatch(/tap Trust/);
  });

  it('stops with Aborted when the caller cancels while the dialog is up', async () => {
    const { mux, device } = await setUp('ask');
    const controller = new AbortController();
    await expectLockdownError(pairDevice(device, { mux, pollIntervalMs: 10_000, signal: controller.signal, onDialogShown: () => controller.abort() }), 'Aborted');
  });

  it('says the computer is not trusted when there is no pair record, or the phone forgot the HostID', async () => {
    const { mux, device } = await setUp('accept');
    const notPaired = await expectLockdownError(connectDevice(device.udid, { mux }), 'NotPaired');
    expect(notPaired.message).toMatch(/not trusted/);

    const record = await pairDevice(device, { mux });
    const stored = await mux.readPairRecord(device.udid);
    // Replace the HostID with one the phone never saw, as after "Reset Location & Privacy".
    await mux.savePairRecord(device.udid, encodePairRecord({ ...decodePairRecord(stored as Buffer), hostId: '00000000-0000-0000-0000-000000000000' }));
    const forgotten = await expectLockdownError(connectDevice(device.udid, { mux }), 'InvalidHostID');
    expect(forgotten.message).toMatch(/not trusted/);
    expect(record.hostId).not.toBe('00000000-0000-0000-0000-000000000000');
  });

  it('unpairs: the phone forgets the HostID and usbmuxd forgets the record', async () => {
    const { mux, device } = await setUp('accept');
    const record = await pairDevice(device, { mux });
    await unpairDevice(device, { mux });
    expect(await mux.readPairRecord(device.udid)).toBeUndefined();
    // Putting the old record back does not help: the phone no longer knows that HostID.
    await mux.savePairRecord(device.udid, encodePairRecord(record));
    await expectLockdownError(connectDevice(device.udid, { mux }), 'InvalidHostID');
  });
});
