import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plistArrayOf, plistData, plistDictOf } from '../../src/main/device/codec';
import { NETWORK_DEVICE_ID_OFFSET, type VirtualDevice } from '../../src/simulator/device/virtual-device';
import { LockdownTestClient, readStoredPairRecord, sessionIdOf } from '../helpers/lockdown-test-client';
import { RawMuxClient } from '../helpers/raw-mux-client';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { backup2, expectBackupMatchesPhone, waitFor } from './idevicebackup2-helpers';

const WIRELESS = 'com.apple.mobile.wireless_lockdown';

/**
 * A phone on USB and Wi-Fi (`--connection both`), seen by Debian's libimobiledevice 1.3.0: usbmuxd lists
 * it as a network device only once "Show this iPhone when on Wi-Fi" is on, `idevice_id -n` sees it, and
 * `idevicebackup2 -n` backs up over the phone's own address (libimobiledevice connects there itself).
 */
describe('a virtual iPhone on Wi-Fi', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let client: LockdownTestClient | undefined;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 41, connection: 'both' });
    device = harness.sim.devices()[0]!;
  });
  afterAll(async () => {
    client?.close();
    await harness?.cleanup();
  });

  it('is not on the network until EnableWifiConnections is on', async () => {
    expect((await runTool('idevice_id', ['-n'], harness.env)).stdout.trim()).toBe('');
    expect((await runTool('idevice_id', ['-l'], harness.env)).stdout.trim()).toBe(device.udid);
    expect(device.hasLink('network')).toBe(false);
  });

  it('shows on the network when a paired host turns "Show this iPhone when on Wi-Fi" on over USB', async () => {
    expect((await runTool('idevicepair', ['pair'], harness.env)).code).toBe(0);
    const record = await readStoredPairRecord(harness.sim.address, device.udid);
    const watcher = await RawMuxClient.open(harness.sim.address);
    try {
      expect(await watcher.request({ MessageType: 'Listen' })).toMatchObject({ Number: 0 });
      expect(await watcher.readPlist()).toMatchObject({ MessageType: 'Attached', Properties: { ConnectionType: 'USB' } });
      client = await LockdownTestClient.connect(harness.sim.address, device.deviceId);
      sessionIdOf(await client.startSession(record));
      expect(await client.request({ Request: 'GetValue', Domain: WIRELESS, Key: 'EnableWifiConnections' })).toMatchObject({ Value: false });
      expect(await client.request({ Request: 'SetValue', Domain: WIRELESS, Key: 'EnableWifiConnections', Value: true })).not.toHaveProperty('Error');
      const attached = await watcher.readPlist();
      const properties = plistDictOf(attached.Properties) ?? {};
      expect(attached).toMatchObject({ MessageType: 'Attached', DeviceID: device.deviceId + NETWORK_DEVICE_ID_OFFSET });
      expect(properties).toMatchObject({ ConnectionType: 'Network', SerialNumber: device.udid });
      expect(properties).not.toHaveProperty('ProductID');
      const address = plistData(properties.NetworkAddress);
      // A BSD sockaddr_in: sa_len 16, AF_INET, then a 127.x.y.z address (wifi-link.ts).
      expect([address?.length, address?.[0], address?.[1], address?.[4]]).toEqual([16, 16, 2, 127]);
      expect(String(properties.EscapedFullServiceName)).toMatch(/^[0-9a-f:]{17}@.*\._apple-mobdev2\._tcp\.local\.$/);
    } finally {
      watcher.close();
    }
    const listed = await RawMuxClient.open(harness.sim.address);
    try {
      const types = plistArrayOf((await listed.request({ MessageType: 'ListDevices' })).DeviceList)?.map((entry) => plistDictOf(plistDictOf(entry)?.Properties)?.ConnectionType);
      expect(types).toEqual(['USB', 'Network']);
    } finally {
      listed.close();
    }
    expect((await runTool('idevice_id', ['-n'], harness.env)).stdout.trim()).toBe(device.udid);
    expect((await runTool('idevice_id', [], harness.env)).stdout.trim().split('\n')).toEqual([`${device.udid} (USB)`, `${device.udid} (Network)`]);
    const info = await runTool('ideviceinfo', ['-n', '-k', 'DeviceName'], harness.env);
    expect([info.code, info.stdout.trim()]).toEqual([0, device.identity.deviceName]);
  });

  it('backs up with idevicebackup2 -n, byte for byte, over the network link alone', async () => {
    const root = path.join(harness.workDir, 'wifi-backups');
    fs.mkdirSync(root);
    // Without the cable, a backup can only have come over the phone's network address.
    device.setCable(false);
    await waitFor(() => !device.hasLink('usb'));
    // And usbmuxd no longer lists it on USB: idevicebackup2 died of a signal twice in full runs (0.5 s, nothing
    // printed), probably meeting the USB Detached while it started (inferred; it passes alone).
    await expect.poll(async () => (await runTool('idevice_id', ['-l'], harness.env)).stdout.trim(), { timeout: 10_000 }).toBe('');
    try {
      const result = await backup2(harness, ['-n', 'backup', '--full', root]);
      // (It failed once in a full run with nothing on stdout after 0.7 s: say what the tool said.)
      expect(result.stdout, `exit ${result.code}, signal ${result.signal ?? 'none'}; stderr: ${result.stderr}`).toContain('Backup Successful.');
      expect(result.code).toBe(0);
      await expectBackupMatchesPhone(path.join(root, device.udid), device.phone);
    } finally {
      device.setCable(true);
    }
  });

  it('leaves the network when the host turns Wi-Fi connections off, and refuses Pair there', async () => {
    const viaNetwork = await LockdownTestClient.connect(harness.sim.address, device.deviceId + NETWORK_DEVICE_ID_OFFSET);
    try {
      const record = await readStoredPairRecord(harness.sim.address, device.udid);
      expect(await viaNetwork.request({ Request: 'Pair', PairRecord: record, ProtocolVersion: '2' })).toMatchObject({ Error: 'PairingProhibitedOverThisConnection' });
    } finally {
      viaNetwork.close();
    }
    // The cable pulled in the last test closed the first session, as a real cable pull does.
    client = await LockdownTestClient.connect(harness.sim.address, device.deviceId);
    sessionIdOf(await client.startSession(await readStoredPairRecord(harness.sim.address, device.udid)));
    expect(await client.request({ Request: 'SetValue', Domain: WIRELESS, Key: 'EnableWifiConnections', Value: false })).not.toHaveProperty('Error');
    await waitFor(() => !device.hasLink('network'));
    expect((await runTool('idevice_id', ['-n'], harness.env)).stdout.trim()).toBe('');
    expect(device.wifiConnectionsEnabled()).toBe(false);
  });
});
