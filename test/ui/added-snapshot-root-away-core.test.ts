import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/main/backup/engine';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import { AppErrorException, type BackupView } from '../../src/shared/contract';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { pairWithTool } from '../backup/engine-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';

/** Every file and folder below `folder`, relative to it, with its size and time: reading must change none. */
function tree(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const stat = fs.lstatSync(path.join(folder, name));
      return `${name} ${stat.isDirectory() ? '' : stat.size} ${stat.mtimeMs}`;
    });
}

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppErrorException) return `${error.error.code}: ${error.error.message}`;
    throw error;
  }
  return 'not refused';
}

/**
 * Issue 16's review: an earlier backup (a reverse-delta snapshot) in an added folder is read through
 * a copy made in the saved backup folder. With that folder's disk unplugged, Show Folder shows the
 * snapshot's own folder and makes nothing; browsing or restoring it is refused with the folder's
 * sentence rather than making the backup folder again on the computer's own disk. Once the added
 * folder's own disk is away too, Show Folder says it cannot be reached.
 */
describe('an earlier backup in an added folder while the backup folder is away (core, real catalog)', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let added: string;
  let chosen: string;
  let core: AppCore;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 61 });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
    added = path.join(harness.workDir, 'old-folder');
    await runBackup({ udid: device.udid, backupRoot: added, muxAddress: harness.sim.address });
    await changePhone(device.phone, { seed: 3, modifyFiles: 2, deleteFiles: 1 });
    await runBackup({ udid: device.udid, backupRoot: added, muxAddress: harness.sim.address });
    // Chosen on a disk that is now unplugged, its mount point with it.
    fs.mkdirSync(path.join(harness.workDir, 'media'));
    chosen = path.join(harness.workDir, 'media', 'BackupDisk', 'iPhone Backups');
    const settingsPath = path.join(harness.workDir, 'settings', 'settings.json');
    fs.mkdirSync(path.dirname(settingsPath));
    fs.writeFileSync(settingsPath, JSON.stringify({ backupRoot: chosen, extraFolders: [added], retention: { keepLast: 5 }, theme: 'system', devices: {} }));
    core = await createAppCore({ muxAddress: harness.sim.address, backupRoot: path.join(harness.workDir, 'home', 'Lifeboat Backups'), settingsPath, mode: 'web' });
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  const snapshotIn = (backups: readonly BackupView[]): BackupView => {
    const snapshot = backups.find((backup) => backup.addedSnapshot === true);
    if (!snapshot) throw new Error(`no earlier backup listed: ${JSON.stringify(backups.map((backup) => backup.path))}`);
    return snapshot;
  };

  it('shows the snapshot\'s own folder, and refuses to browse or restore it with the backup folder\'s sentence, writing nothing', async () => {
    const snapshot = snapshotIn(await core.invoke('backups:list', {}));
    expect(fs.existsSync(path.join(snapshot.path, '.lifeboat-delta.json'))).toBe(true);
    const before = tree(added);
    expect(await core.invoke('backups:reveal', { backupId: snapshot.id })).toEqual({ path: snapshot.path, revealed: false });
    const notThere = /^not-found: The backup folder .*iPhone Backups is not there\. If it is on a disk, plug the disk in/;
    expect(await refusal(core.invoke('browser:open', { backupId: snapshot.id }))).toMatch(notThere);
    expect(await refusal(core.invoke('restore:preflight', { udid: device.udid, backupId: snapshot.id }))).toMatch(notThere);
    expect(fs.existsSync(path.join(harness.workDir, 'media', 'BackupDisk'))).toBe(false);
    expect(fs.existsSync(path.join(harness.workDir, 'home'))).toBe(false);
    expect(tree(added)).toEqual(before);
  });

  it('says an added folder whose disk went away since the list was read cannot be reached', async () => {
    const snapshot = snapshotIn(await core.invoke('backups:list', {}));
    fs.renameSync(added, `${added}-unplugged`);
    try {
      expect(await refusal(core.invoke('backups:reveal', { backupId: snapshot.id }))).toBe(
        `not-found: The backup ${snapshot.path} cannot be reached right now: its disk is not plugged in or its server did not answer. Plug the disk in or check the network drive, then try again; Lifeboat writes nothing there.`,
      );
      expect(fs.existsSync(added)).toBe(false);
    } finally {
      fs.renameSync(`${added}-unplugged`, added);
    }
  });
});
