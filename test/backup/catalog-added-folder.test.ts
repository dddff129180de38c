import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type BackupCatalog } from '../../src/main/backup/catalog';
import { runBackup } from '../../src/main/backup/engine';
import { completeBackupFolder } from '../../src/main/backup/store';
import { openBackupBrowser, resolveBackupFolder } from '../../src/main/browser';
import { runRestore } from '../../src/main/restore';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { hashTree, pairWithTool } from './engine-helpers';

/**
 * An old backup folder kept "where it is" as an added folder (README "Manage Backups"): its
 * phone's latest backup and the reverse-delta snapshot beside it are listed like the backup
 * folder's own, verified, browsed and restored from, and the added folder is left exactly as it
 * was: not a byte, a name, a time or a link count changes (a hard link would change the last two).
 */
describe('snapshots in an added folder', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let oldRoot: string;
  let ownRoot: string;
  let firstBackup: Map<string, string>;
  let catalog: BackupCatalog;

  /** Everything about the added folder that reading it must not change. */
  const fingerprint = (dir: string): Map<string, string> => {
    const result = hashTree(dir);
    const walk = (current: string): void => {
      for (const item of fs.readdirSync(current, { withFileTypes: true })) {
        const full = path.join(current, item.name);
        const stat = fs.lstatSync(full);
        result.set(`${path.relative(dir, full)}#stat`, `${stat.mode}:${stat.ino}:${stat.nlink}:${stat.mtimeMs}:${stat.isDirectory() ? '' : stat.size}`);
        if (item.isDirectory()) walk(full);
      }
    };
    walk(dir);
    return result;
  };

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 47 });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
    oldRoot = path.join(harness.workDir, 'old-folder');
    ownRoot = path.join(harness.workDir, 'new-folder');
    await runBackup({ udid: device.udid, backupRoot: oldRoot, muxAddress: harness.sim.address });
    firstBackup = hashTree(path.join(oldRoot, device.udid));
    await changePhone(device.phone, { seed: 9, addPhotos: 1, modifyFiles: 3, deleteFiles: 2 });
    const second = await runBackup({ udid: device.udid, backupRoot: oldRoot, muxAddress: harness.sim.address });
    expect(fs.existsSync(path.join(second.previousSnapshot as string, '.lifeboat-delta.json'))).toBe(true);
    catalog = openCatalog(ownRoot, { extraFolders: [oldRoot] });
  }, 120_000);

  afterAll(async () => {
    catalog?.close();
    await harness?.cleanup();
  });

  it('lists the latest backup and its snapshot, verifies and reads both, and writes nothing there', async () => {
    const before = fingerprint(oldRoot);
    await catalog.refresh();
    const listed = catalog.list({ udid: device.udid });
    expect(listed.map((record) => [record.location, record.snapshotOf])).toEqual([['extra', undefined], ['extra', device.udid]]);
    const [latest, snapshot] = listed as [NonNullable<(typeof listed)[0]>, NonNullable<(typeof listed)[0]>];
    expect(snapshot).toMatchObject({ status: 'complete', udid: device.udid });
    expect(await catalog.verify(latest.id)).toMatchObject({ ok: true, missingCount: 0 });
    expect(await catalog.verify(snapshot.id)).toMatchObject({ ok: true, missingCount: 0, wrongSizeCount: 0 });

    // Read as the whole first backup, from a copy in Lifeboat's own folder, made once.
    const whole = await completeBackupFolder(snapshot.path, ownRoot);
    expect(whole.startsWith(path.join(fs.realpathSync(ownRoot), '.lifeboat', 'views', 'added') + path.sep)).toBe(true);
    expect(new Map([...hashTree(whole)].filter(([name]) => !name.endsWith('/')))).toEqual(new Map([...firstBackup].filter(([name]) => !name.endsWith('/'))));
    expect(await completeBackupFolder(snapshot.path, ownRoot)).toBe(whole);
    expect(await resolveBackupFolder(snapshot.id, { backupRoot: ownRoot, extraFolders: [oldRoot] })).toBe(whole);

    const browser = await openBackupBrowser(whole);
    try {
      expect(browser.domainCounts().length).toBeGreaterThan(0);
    } finally {
      browser.close();
    }
    expect(fingerprint(oldRoot)).toEqual(before);
  });

  it('restores the phone from the snapshot and still leaves the added folder as it was', async () => {
    const before = fingerprint(oldRoot);
    await catalog.refresh();
    const snapshot = catalog.list({ udid: device.udid }).find((record) => record.snapshotOf !== undefined);
    const result = await runRestore({ udid: device.udid, backup: snapshot?.path, backupRoot: ownRoot, muxAddress: harness.sim.address, reboot: false });
    expect(result.filesSent).toBeGreaterThan(0);
    expect(result.backupFolder.startsWith(fs.realpathSync(ownRoot))).toBe(true);
    expect(fingerprint(oldRoot)).toEqual(before);
  }, 120_000);
});
