import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isCameraRollItem, runBackup } from '../../src/main/backup/engine';
import { contentPathFor, fileIdFor } from '../../src/simulator/backup-format/file-id';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { comparePhones, isSyncHousekeeping } from '../../src/simulator/phone/phone-compare';
import { openPhone } from '../../src/simulator/phone/phone-store';
import type { PhoneEntry } from '../../src/simulator/phone/phone-model';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { expectBackupMatchesPhone, manifestRows, pairWithTool } from './engine-helpers';

const SEED = 13;

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  await vi.waitFor(() => expect(condition(), 'the virtual iPhone rebooted').toBe(true), { timeout: timeoutMs, interval: 50 });
}

/** Lifeboat backups read by Debian's idevicebackup2 (libimobiledevice 1.3.0), and the other way round. */
describe('Lifeboat backups and idevicebackup2', () => {
  let harness: SimHarness;
  let device: VirtualDevice;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: SEED });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  async function restoreWithTool(root: string): Promise<void> {
    device.erase();
    expect(device.phone.isFactoryState()).toBe(true);
    await pairWithTool(harness);
    // The phone reboots after the restore: see it leave, then wait until it is back.
    let detached = false;
    const watch = setInterval(() => {
      if (!device.isAttached()) detached = true;
    }, 10);
    try {
      const result = await runTool('idevicebackup2', ['restore', '--system', '--settings', '--remove', root], harness.env, 120_000);
      expect(result.stdout, result.stderr).toContain('Restore Successful.');
      await waitUntil(() => detached);
      await waitUntil(() => device.isAttached());
    } finally {
      clearInterval(watch);
    }
  }

  function referencePhone(name: string): ReturnType<typeof openPhone> {
    return openPhone(path.join(harness.workDir, name), { seed: SEED * 1000, profile: 'small' });
  }

  it('restores an erased phone from a Lifeboat backup to exactly what it was', async () => {
    const root = path.join(harness.workDir, 'lifeboat');
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    await restoreWithTool(root);
    const reference = referencePhone('reference-1');
    try {
      expect(await comparePhones(reference, device.phone, { skip: isSyncHousekeeping })).toEqual([]);
    } finally {
      reference.close();
    }
  });

  it('leaves the Camera Roll out when it is off, and that backup restores to the phone minus its Camera Roll', async () => {
    const root = path.join(harness.workDir, 'no-camera-roll');
    const cameraFiles = [...device.phone.entries()].filter((entry) => entry.kind === 'file' && isCameraRollItem(entry.domain, entry.relativePath));
    expect(cameraFiles.length).toBeGreaterThan(5);
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, cameraRoll: false });
    expect(result.cameraRollFilesSkipped).toBe(cameraFiles.length);
    expect(result.cameraRollBytesSaved).toBe(cameraFiles.reduce((sum, entry) => sum + entry.size, 0));
    const folder = result.folder;
    const rows = [...manifestRows(path.join(folder, 'Manifest.db')).values()];
    expect(rows.filter((row) => isCameraRollItem(row.domain, row.relativePath))).toEqual([]);
    for (const entry of cameraFiles) expect(fs.existsSync(path.join(folder, contentPathFor(fileIdFor(entry.domain, entry.relativePath))))).toBe(false);
    await expectBackupMatchesPhone(folder, device.phone, isCameraRollItem);

    // An incremental run with the toggle still off stays free of the Camera Roll.
    const again = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, cameraRoll: false });
    expect(again.cameraRollFilesSkipped).toBe(cameraFiles.length);
    await expectBackupMatchesPhone(folder, device.phone, isCameraRollItem);

    await restoreWithTool(root);
    const notCamera = (entry: PhoneEntry): boolean => isSyncHousekeeping(entry) || isCameraRollItem(entry.domain, entry.relativePath);
    const reference = referencePhone('reference-2');
    try {
      expect(await comparePhones(reference, device.phone, { skip: notCamera })).toEqual([]);
    } finally {
      reference.close();
    }
    expect([...device.phone.entries()].filter((entry) => entry.kind === 'file' && isCameraRollItem(entry.domain, entry.relativePath))).toEqual([]);
  });

  it('takes over a backup made by idevicebackup2 and continues it incrementally', async () => {
    const root = path.join(harness.workDir, 'taken-over');
    fs.mkdirSync(root);
    const made = await runTool('idevicebackup2', ['backup', '--full', root], harness.env, 120_000);
    expect(made.stdout).toContain('Backup Successful.');
    await changePhone(device.phone, { seed: 5, addPhotos: 2, modifyFiles: 2, deleteFiles: 2 });
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    expect(result.isFullBackup).toBe(false);
    expect(result.filesReceived).toBeLessThan(15);
    expect(result.previousSnapshot).toBeDefined();
    await expectBackupMatchesPhone(result.folder, device.phone);
  });
});
