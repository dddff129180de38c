import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePlist, isPlistDict, plistArrayOf, plistDictOf } from '../../src/main/device/codec';
import { runTool } from '../helpers/run-tool';
import { RawMuxClient } from '../helpers/raw-mux-client';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';

/**
 * The virtual iPhone as the real Debian libimobiledevice 1.3.0 tools see it, through
 * USBMUXD_SOCKET_ADDRESS (protocol.md §1, §2.5, §8.1).
 */
describe('virtual iPhone seen by libimobiledevice tools', () => {
  let harness: SimHarness;
  let first: string;
  let second: string;

  beforeAll(async () => {
    harness = await startSimHarness({ devices: 2, seed: 11 });
    [first, second] = harness.sim.devices().map((device) => device.udid) as [string, string];
  });
  afterAll(async () => harness?.cleanup());

  it('idevice_id -l lists both devices', async () => {
    const result = await runTool('idevice_id', ['-l'], harness.env);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual([first, second].sort());
    expect(first).toMatch(/^0000[0-9A-F]{4}-[0-9A-F]{16}$/);
  });

  it('ideviceinfo reads the root domain and the backup domain', async () => {
    const device = harness.sim.device(first);
    const all = await runTool('ideviceinfo', ['-u', first], harness.env);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`UniqueDeviceID: ${first}`);
    expect(all.stdout).toContain('ProductVersion: 17.5.1');
    expect(all.stdout).toContain(`SerialNumber: ${device.identity.serialNumber}`);
    expect(all.stdout).toContain('DeviceName: Lifeboat Virtual iPhone 1');

    const before = await runTool('ideviceinfo', ['-u', first, '-q', 'com.apple.mobile.backup', '-k', 'WillEncrypt'], harness.env);
    expect(before.stdout.trim()).toBe('false');
    device.settings.update({ willEncrypt: true, password: 'secret' });
    const after = await runTool('ideviceinfo', ['-u', first, '-q', 'com.apple.mobile.backup', '-k', 'WillEncrypt'], harness.env);
    expect(after.stdout.trim()).toBe('true');
    device.settings.update({ willEncrypt: false, password: undefined });

    const disk = await runTool('ideviceinfo', ['-u', first, '-q', 'com.apple.disk_usage', '-k', 'TotalDiskCapacity'], harness.env);
    expect(Number(disk.stdout.trim())).toBe(device.phone.capacityBytes());
  });

  it('idevicedate prints the phone clock (TimeIntervalSince1970), and Uses24HourClock is there', async () => {
    const before = Date.now();
    const date = await runTool('idevicedate', ['-u', first], { ...harness.env, TZ: 'UTC' });
    expect(date.code).toBe(0);
    // Without TimeIntervalSince1970 idevicedate prints nothing it can use (protocol-notes.md "Clock").
    const shown = Date.parse(date.stdout.trim().replace(/ UTC /, ' ').replace(/^\w+ /, '') + ' UTC');
    expect(shown).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(shown).toBeLessThanOrEqual(Date.now());
    const clock = await runTool('ideviceinfo', ['-u', first, '-k', 'Uses24HourClock'], harness.env);
    expect(clock.stdout.trim()).toBe('true');
  });

  it('is reachable over TCP too; libusbmuxd 2.0.2 wants the upper-case UNIX: prefix for sockets', async () => {
    const { startSimulator } = await import('../../src/simulator/simulator');
    const tcp = await startSimulator({ listen: '127.0.0.1:0', stateDir: path.join(harness.workDir, 'tcp-state'), seed: 11 });
    try {
      const result = await runTool('idevice_id', ['-l'], { ...harness.env, USBMUXD_SOCKET_ADDRESS: tcp.address });
      expect(result.stdout.trim()).toBe(first);
    } finally {
      await tcp.stop();
    }
    expect(harness.sim.address).toMatch(/^UNIX:\//);
  });

  it('ideviceinfo reaches the second device too, with its own identity', async () => {
    const result = await runTool('ideviceinfo', ['-u', second, '-k', 'DeviceName'], harness.env);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('Lifeboat Virtual iPhone 2');
  });
});

describe('pairing with idevicepair', () => {
  let harness: SimHarness;
  let udid: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 12 });
    udid = harness.sim.devices()[0]!.udid;
  });
  afterAll(async () => harness?.cleanup());

  const pair = (...args: string[]) => runTool('idevicepair', ['-u', udid, ...args], harness.env);
  const recordFile = () => path.join(harness.stateDir, 'usbmuxd', `${udid}.plist`);

  it('refuses with the passcode message while the phone is locked', async () => {
    harness.sim.device(udid).setFaults({ locked: true });
    const result = await pair('pair');
    harness.sim.device(udid).setFaults({ locked: false });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('because a passcode is set');
    expect(fs.existsSync(recordFile())).toBe(false);
  });

  it('fails with the user-denied message when the person taps Don’t Trust', async () => {
    harness.sim.device(udid).setFaults({ trust: 'deny' });
    const result = await pair('pair');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('said that the user denied the trust dialog');
    expect(fs.existsSync(recordFile())).toBe(false);
  });

  it('stays pending while the prompt is unanswered, then pairs once the person taps Trust', async () => {
    const device = harness.sim.device(udid);
    device.setFaults({ trust: 'ask' });
    const pending = await pair('pair');
    expect(pending.code).not.toBe(0);
    expect(pending.stdout).toContain('Please accept the trust dialog');
    expect(device.isTrustPromptPending()).toBe(true);
    const stillPending = await pair('pair');
    expect(stillPending.stdout).toContain('Please accept the trust dialog');

    device.answerTrustPrompt(true);
    const accepted = await pair('pair');
    expect(accepted.stdout).toContain('SUCCESS: Paired with device');
    expect(accepted.code).toBe(0);
    expect(device.isTrustPromptPending()).toBe(false);
  });

  it('stores the pair record in the usbmuxd store and the host in device.json', async () => {
    const record = decodePlist(fs.readFileSync(recordFile()));
    expect(isPlistDict(record)).toBe(true);
    const dict = plistDictOf(record)!;
    expect(dict.HostID).toMatch(/^[0-9A-F-]{36}$/);
    expect(Buffer.isBuffer(dict.EscrowBag)).toBe(true);
    const stored = JSON.parse(fs.readFileSync(path.join(harness.stateDir, 'devices', udid, 'device.json'), 'utf8'));
    expect(Object.keys(stored.trustedHosts)).toEqual([dict.HostID]);
  });

  it('validates, unpairs, and no longer validates after unpairing', async () => {
    harness.sim.device(udid).setFaults({ trust: 'deny' });
    const valid = await pair('validate');
    expect(valid.stdout).toContain('SUCCESS: Validated pairing');
    const unpaired = await pair('unpair');
    expect(unpaired.stdout).toContain('SUCCESS: Unpaired');
    expect(fs.existsSync(recordFile())).toBe(false);
    expect(harness.sim.device(udid).state.trustedHosts()).toHaveLength(0);
    const invalid = await pair('validate');
    expect(invalid.code).not.toBe(0);
  });
});

describe('usbmuxd events on a raw Listen connection', () => {
  let harness: SimHarness;

  beforeAll(async () => {
    harness = await startSimHarness({ devices: 2, seed: 13 });
  });
  afterAll(async () => harness?.cleanup());

  it('reports Attached for each device, then Detached and Attached as the cable moves', async () => {
    const listener = await RawMuxClient.open(harness.sim.address);
    try {
      const result = await listener.request({ MessageType: 'Listen' }, 7);
      expect(result).toMatchObject({ MessageType: 'Result', Number: 0 });
      const attached = [await listener.readPlist(), await listener.readPlist()];
      const udids = attached.map((event) => plistDictOf(event.Properties)?.SerialNumber);
      expect(udids.sort()).toEqual(harness.sim.devices().map((device) => device.udid).sort());

      const device = harness.sim.devices()[1]!;
      device.unplug('test');
      expect(await listener.readPlist()).toEqual({ MessageType: 'Detached', DeviceID: device.deviceId });
      const list = await RawMuxClient.open(harness.sim.address);
      const listed = await list.request({ MessageType: 'ListDevices' });
      list.close();
      expect(plistArrayOf(listed.DeviceList)).toHaveLength(1);

      device.plug();
      const back = await listener.readPlist();
      expect(back).toMatchObject({ MessageType: 'Attached', DeviceID: device.deviceId });
      expect(plistDictOf(back.Properties)).toMatchObject({ SerialNumber: device.udid, ConnectionType: 'USB' });
    } finally {
      listener.close();
    }
  });

  it('tells listeners Paired when a pair record is saved for an attached device', async () => {
    const listener = await RawMuxClient.open(harness.sim.address);
    try {
      await listener.request({ MessageType: 'Listen' });
      await listener.readPlist();
      await listener.readPlist();
      const device = harness.sim.devices()[0]!;
      const paired = await runTool('idevicepair', ['-u', device.udid, 'pair'], harness.env);
      expect(paired.code).toBe(0);
      expect(await listener.readPlist()).toEqual({ MessageType: 'Paired', DeviceID: device.deviceId });
    } finally {
      listener.close();
    }
  });
});
