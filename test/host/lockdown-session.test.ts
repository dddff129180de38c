import { afterEach, describe, expect, it } from 'vitest';
import { decodePlist, readFrame } from '../../src/main/device/codec';
import { LockdownError } from '../../src/main/device/errors';
import { connectDevice, type DeviceConnection, pairDevice } from '../../src/main/device/lockdown';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

let harness: SimHarness | undefined;
let connection: DeviceConnection | undefined;
afterEach(async () => {
  await connection?.close();
  connection = undefined;
  await harness?.cleanup();
  harness = undefined;
});

/** A paired virtual iPhone and a started session; `onLog` sees the simulator's diagnostic lines. */
async function pairedSession(onLog: (line: string) => void = () => undefined): Promise<{ h: SimHarness; mux: UsbmuxClient; connection: DeviceConnection }> {
  const h = await startSimHarness({ log: (line) => onLog(line) });
  harness = h;
  const mux = new UsbmuxClient({ address: h.sim.address, timeoutMs: 10_000 });
  await pairDevice(await mux.findDevice(), { mux });
  connection = await connectDevice(undefined, { mux });
  return { h, mux, connection };
}

async function expectLockdownError(promise: Promise<unknown>, code: string): Promise<LockdownError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(LockdownError);
  expect((error as LockdownError).code).toBe(code);
  return error as LockdownError;
}

describe('lockdown sessions and services (protocol.md §2.6, §2.7)', () => {
  it('starts mobilebackup2 with the escrow bag while the phone is locked, and refuses without it', async () => {
    const { h, connection: c } = await pairedSession();
    h.sim.devices()[0]?.setFaults({ locked: true });
    const refused = await expectLockdownError(c.session.startService('com.apple.mobilebackup2'), 'PasswordProtected');
    expect(refused.message).toMatch(/Unlock/);

    const service = await c.session.startService('com.apple.mobilebackup2', { escrowBag: true });
    try {
      // DeviceLink opens with the device's version exchange (§3).
      const hello = decodePlist(await readFrame(service.reader, 1024 * 1024, 10_000));
      expect(Array.isArray(hello) && hello[0]).toBe('DLMessageVersionExchange');
    } finally {
      service.close();
      service.close();
    }
  });

  it('names an unknown service as InvalidService and keeps the session usable', async () => {
    const { connection: c } = await pairedSession();
    await expectLockdownError(c.session.startService('com.example.nothing'), 'InvalidService');
    expect(await c.session.getValue(undefined, 'ProductType')).toMatch(/^iPhone/);
  });

  it('reads protected domains inside the session and stops the session cleanly', async () => {
    const { connection: c } = await pairedSession();
    const backup = await c.session.getValue('com.apple.mobile.backup');
    expect(backup).toMatchObject({ WillEncrypt: false });
    await c.session.stop();
    await expectLockdownError(c.lockdown.getValue(), 'SessionInactive');
  });

  it('gives a typed error, not a hang, when the cable is pulled during a GetValue', async () => {
    let unplugDuringGetValue = false;
    const { h, connection: c } = await pairedSession((line) => {
      // The simulator logs a request as it receives it: pull the cable before it can answer.
      if (unplugDuringGetValue && line.includes('lockdownd: GetValue')) {
        unplugDuringGetValue = false;
        h.sim.devices()[0]?.unplug('test pulled the cable');
      }
    });
    unplugDuringGetValue = true;
    const error = await expectLockdownError(c.session.getValue(undefined, 'DeviceName'), 'ConnectionClosed');
    expect(error.message).toMatch(/disconnected/);
    // The connection is finished: later requests fail at once with the same error.
    await expectLockdownError(c.session.getValue(undefined, 'DeviceName'), 'ConnectionClosed');
  });
});
