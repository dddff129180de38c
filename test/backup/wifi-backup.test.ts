import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { runBackup } from '../../src/main/backup/engine';
import { runRestore } from '../../src/main/restore';
import { setWifiConnections } from '../../src/main/device/lockdown';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { expectPhoneEqualsGenerated } from '../restore/restore-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { expectBackupMatchesPhone, hashTree, pairWithTool } from './engine-helpers';

const SEED = 43;

/**
 * Lifeboat's engine over Wi-Fi: the phone is paired over USB, "Show this iPhone when on Wi-Fi" is
 * turned on the way the app does it, then the cable comes out. Backup and restore go through usbmuxd's
 * Connect to the network DeviceID (Apple's daemon proxies it), and a phone that walks off the Wi-Fi
 * mid-backup is a pulled cable: the previous backup stays byte-identical.
 */
describe('backing up and restoring over Wi-Fi', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;
  let folder: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: SEED, connection: 'both' });
    device = harness.sim.devices()[0]!;
    root = path.join(harness.workDir, 'backups');
    folder = path.join(root, device.udid);
    await pairWithTool(harness);
    await setWifiConnections(device.udid, true, { mux: new UsbmuxClient({ address: harness.sim.address }) });
    await vi.waitFor(() => expect(device.hasLink('network')).toBe(true));
    device.setCable(false);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('makes a full backup with the cable out, byte for byte', async () => {
    expect(device.hasLink('usb')).toBe(false);
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    await expectBackupMatchesPhone(folder, device.phone);
  });

  it('loses nothing when the phone leaves the Wi-Fi in the middle of a backup', async () => {
    await changePhone(device.phone, { seed: 7, addPhotos: 2, modifyFiles: 3, deleteFiles: 1 });
    const before = hashTree(folder);
    let left = false;
    const error = await runBackup({
      udid: device.udid,
      backupRoot: root,
      muxAddress: harness.sim.address,
      full: true,
      onProgress: (progress) => {
        if (!left && progress.filesDone >= 20) {
          left = true;
          device.setInWifiRange(false);
        }
      },
    }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(left).toBe(true);
    expect(isBackupError(error) ? error.code : error).toBe('disconnected');
    expect(hashTree(folder)).toEqual(before);
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging'))).toEqual([]);
    device.setInWifiRange(true);
    await vi.waitFor(() => expect(device.hasLink('network')).toBe(true));
  });

  it('restores over Wi-Fi and follows the phone through its restart back onto the network', async () => {
    // The first backup holds the phone as generated; the changes since go away with the restore.
    const result = await runRestore({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, systemFiles: true, settings: true });
    expect(result.rebooted).toBe(true);
    expect([device.hasLink('network'), device.hasLink('usb')]).toEqual([true, false]);
    await expectPhoneEqualsGenerated(harness, device, SEED, 'wifi');
  });
});
