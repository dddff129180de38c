import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots, runBackup, type BackupProgress } from '../../src/main/backup/engine';
import { completeBackupFolder } from '../../src/main/backup/store';
import { decodePlist } from '../../src/main/device/codec';
import { contentPathFor, fileIdFor } from '../../src/simulator/backup-format/file-id';
import { parseStatusPlist } from '../../src/simulator/backup-format/backup-plists';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import type { PhoneEntry } from '../../src/simulator/phone/phone-model';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { expectBackupMatchesPhone, isSyncHousekeeping, pairWithTool } from './engine-helpers';

describe('runBackup against the virtual iPhone', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 11 });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('makes a full backup holding every phone file byte for byte, with progress', async () => {
    const events: BackupProgress[] = [];
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, onProgress: (p) => events.push(p) });
    expect(result.folder).toBe(path.join(root, device.udid));
    expect(result.isFullBackup).toBe(true);
    expect(result.previousSnapshot).toBeUndefined();
    expect(result.filesReceived).toBeGreaterThan(50);
    const status = parseStatusPlist(fs.readFileSync(path.join(result.folder, 'Status.plist')));
    expect(status.snapshotState).toBe('finished');
    expect(fs.existsSync(path.join(result.folder, 'Snapshot'))).toBe(false);
    // Info.plist as iTunes writes it (§5.3), from the phone's own values.
    const info = decodePlist(fs.readFileSync(path.join(result.folder, 'Info.plist'))) as Record<string, unknown>;
    expect(info['Target Identifier']).toBe(device.udid);
    expect(info['Unique Identifier']).toBe(device.udid.toUpperCase());
    expect(info['Device Name']).toBe(device.identity.deviceName);
    expect(info['Product Version']).toBe(device.identity.productVersion);
    expect(info['iTunes Version']).toBe('12.13.0');
    expect(info['Last Backup Date']).toBeInstanceOf(Date);
    expect([...(info['Installed Applications'] as string[])].sort()).toEqual(device.phone.apps().map((app) => app.bundleId).sort());
    const applications = info['Applications'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(applications).length).toBe(device.phone.apps().length);
    for (const app of Object.values(applications)) {
      expect(Buffer.isBuffer(app.ApplicationSINF) && Buffer.isBuffer(app.iTunesMetadata)).toBe(true);
      expect((app.PlaceholderIcon as Buffer).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    await expectBackupMatchesPhone(result.folder, device.phone);
    const last = events[events.length - 1] as BackupProgress;
    expect(last.phase).toBe('done');
    expect(last.percent).toBe(100);
    expect(last.bytesDone).toBeGreaterThanOrEqual(result.bytesReceived);
    expect(events.some((event) => event.domain === 'CameraRollDomain')).toBe(true);
    // Staging is gone; nothing but bookkeeping remains beside the backup.
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging'))).toEqual([]);
  });

  it('makes an incremental backup: changes arrive, deleted files go, unchanged files keep their inode, the old backup becomes a snapshot', async () => {
    const folder = path.join(root, device.udid);
    const files = [...device.phone.entries()].filter((entry) => entry.kind === 'file' && !isSyncHousekeeping(entry) && !entry.relativePath.startsWith('Media/iTunes_Control'));
    const [changed, deleted, untouched] = files as [PhoneEntry, PhoneEntry, PhoneEntry];
    const untouchedPath = path.join(folder, contentPathFor(fileIdFor(untouched.domain, untouched.relativePath)));
    const changedPath = path.join(folder, contentPathFor(fileIdFor(changed.domain, changed.relativePath)));
    const inodeBefore = fs.statSync(untouchedPath).ino;
    const changedBefore = fs.readFileSync(changedPath);
    await device.phone.writeFile({ ...changed, mtime: changed.mtime + 60 }, Buffer.from('changed content'));
    device.phone.removeEntry(deleted.domain, deleted.relativePath);
    await changePhone(device.phone, { seed: 3, addPhotos: 2 });

    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    expect(result.isFullBackup).toBe(false);
    expect(result.filesReceived).toBeLessThan(20);
    expect(fs.statSync(untouchedPath).ino).toBe(inodeBefore);
    expect(fs.existsSync(path.join(folder, contentPathFor(fileIdFor(deleted.domain, deleted.relativePath))))).toBe(false);
    await expectBackupMatchesPhone(folder, device.phone);

    // The previous backup is a snapshot, unchanged: the old content of the changed file is there.
    // It is a reverse delta (README "How snapshots work"): its folder holds only what this run
    // replaced or removed, the unchanged files stay in the current backup, and read whole (through
    // the chain) it shares the untouched file's inode with the current backup.
    expect(result.previousSnapshot).toBeDefined();
    const delta = result.previousSnapshot as string;
    expect(fs.existsSync(path.join(delta, contentPathFor(fileIdFor(untouched.domain, untouched.relativePath))))).toBe(false);
    const snapshot = await completeBackupFolder(delta, root);
    expect(snapshot).not.toBe(delta);
    expect(fs.readFileSync(path.join(snapshot, contentPathFor(fileIdFor(changed.domain, changed.relativePath)))).equals(changedBefore)).toBe(true);
    expect(fs.existsSync(path.join(snapshot, contentPathFor(fileIdFor(deleted.domain, deleted.relativePath))))).toBe(true);
    expect(fs.statSync(path.join(snapshot, contentPathFor(fileIdFor(untouched.domain, untouched.relativePath)))).ino).toBe(inodeBefore);
    const snapshots = await listSnapshots(root, device.udid);
    expect(snapshots.map((s) => s.isCurrent)).toEqual([true, false]);
    expect(snapshots[0]?.date.getTime()).toBeGreaterThanOrEqual(snapshots[1]?.date.getTime() ?? Infinity);
  });
});
