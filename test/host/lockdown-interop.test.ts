import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, decodePairRecord, pairDevice } from '../../src/main/device/lockdown';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import { runTool } from '../helpers/run-tool';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/**
 * Pair records are shared with libimobiledevice through usbmuxd (protocol.md §2.5.3): a record
 * Lifeboat saves must work for ideviceinfo/idevicepair, and one idevicepair saves must work for Lifeboat.
 */
let harness: SimHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('pair records shared with libimobiledevice', () => {
  it('a record made by Lifeboat lets ideviceinfo and idevicepair use the same phone', async () => {
    const h = await startSimHarness();
    harness = h;
    const mux = new UsbmuxClient({ address: h.sim.address });
    const device = await mux.findDevice();
    const record = await pairDevice(device, { mux });
    // From now on the phone refuses new pairings, so the tools can only succeed with Lifeboat's record.
    h.sim.device(device.udid).setFaults({ trust: 'deny' });

    const info = await runTool('ideviceinfo', ['-u', device.udid, '-k', 'SerialNumber'], h.env);
    expect(info.stderr).toBe('');
    expect(info.code).toBe(0);
    expect(info.stdout.trim()).toBe(h.sim.device(device.udid).identity.serialNumber);

    const validate = await runTool('idevicepair', ['-u', device.udid, 'validate'], h.env);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/SUCCESS/);

    const backupInfo = await runTool('ideviceinfo', ['-u', device.udid, '-q', 'com.apple.mobile.backup'], h.env);
    expect(backupInfo.code).toBe(0);
    expect(backupInfo.stdout).toMatch(/WillEncrypt: false/);

    const after = decodePairRecord((await mux.readPairRecord(device.udid)) as Buffer);
    expect(after.hostId).toBe(record.hostId);
  });

  it('a record made by Lifeboat lets idevicebackup2 back up the same phone', async () => {
    const h = await startSimHarness();
    harness = h;
    const mux = new UsbmuxClient({ address: h.sim.address });
    const device = await mux.findDevice();
    await pairDevice(device, { mux });
    h.sim.device(device.udid).setFaults({ trust: 'deny' });

    const target = mkdtempSync(join(h.workDir, 'backup-'));
    const backup = await runTool('idevicebackup2', ['-u', device.udid, 'backup', '--full', target], h.env, 120_000);
    expect(backup.stdout).toMatch(/Backup Successful/);
    expect(backup.code).toBe(0);
    expect(existsSync(join(target, device.udid, 'Manifest.db'))).toBe(true);
  });

  it('a record made by idevicepair lets Lifeboat start a TLS session', async () => {
    const h = await startSimHarness();
    harness = h;
    const udid = h.sim.devices()[0]?.udid as string;
    const paired = await runTool('idevicepair', ['-u', udid, 'pair'], h.env);
    expect(paired.code).toBe(0);

    const mux = new UsbmuxClient({ address: h.sim.address });
    const record = decodePairRecord((await mux.readPairRecord(udid)) as Buffer);
    const connection = await connectDevice(udid, { mux });
    try {
      expect(connection.pairRecord.hostId).toBe(record.hostId);
      expect(connection.session.sslEnabled).toBe(true);
      expect(await connection.session.getValue(undefined, 'UniqueDeviceID')).toBe(udid);
    } finally {
      await connection.close();
    }
  });
});
