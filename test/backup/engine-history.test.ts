import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots, runBackup } from '../../src/main/backup/engine';
import { openCatalog } from '../../src/main/backup/catalog';
import { completeBackupFolder, snapshotFolderName } from '../../src/main/backup/store';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { hashTree, pairWithTool } from './engine-helpers';

/** Every regular file under `dir`: inode → size, and how many names point at each. */
function inodes(dir: string, into: Map<string, number> = new Map(), filter: (relative: string) => boolean = () => true): Map<string, number> {
  const walk = (current: string): void => {
    for (const item of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, item.name);
      if (item.isDirectory()) walk(full);
      else if (item.isFile() && filter(path.relative(dir, full))) {
        const stat = fs.statSync(full);
        into.set(`${stat.dev}:${stat.ino}`, stat.size);
      }
    }
  };
  walk(dir);
  return into;
}

const isContent = (relative: string): boolean => /^[0-9a-f]{2}[/\\][0-9a-f]{40}$/.test(relative);
const sum = (map: Map<string, number>): number => [...map.values()].reduce((a, b) => a + b, 0);

describe('backup history', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 29 });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('keeps every backup as a snapshot; ten snapshots of an unchanged phone share all content and cost about one', async () => {
    for (let run = 0; run < 10; run += 1) await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    const snapshots = await listSnapshots(root, device.udid);
    expect(snapshots.length).toBe(10);
    expect(snapshots.filter((s) => s.isCurrent).length).toBe(1);
    for (let index = 1; index < snapshots.length; index += 1) {
      expect((snapshots[index - 1] as { date: Date }).date.getTime()).toBeGreaterThanOrEqual((snapshots[index] as { date: Date }).date.getTime());
    }

    // Reverse deltas: a run touched no unchanged file, so no snapshot holds a content file of its own.
    for (const snapshot of snapshots.filter((s) => !s.isCurrent)) expect(inodes(snapshot.path, new Map(), isContent).size).toBe(0);

    // Content files: the very same inodes in every snapshot (read as whole backups).
    const currentContent = inodes(path.join(root, device.udid), new Map(), isContent);
    const allContent = new Map<string, number>();
    for (const snapshot of snapshots) inodes(await completeBackupFolder(snapshot.path, root), allContent, isContent);
    expect(allContent.size).toBe(currentContent.size);
    expect(sum(allContent)).toBe(sum(currentContent));

    // Everything: one backup's bytes plus nine copies of the small per-run metadata (Manifest.db and the plists).
    const current = inodes(path.join(root, device.udid));
    const metadataBytes = sum(inodes(path.join(root, device.udid), new Map(), (relative) => !isContent(relative)));
    const everything = new Map<string, number>();
    for (const snapshot of snapshots) inodes(snapshot.path, everything);
    expect(sum(everything)).toBeLessThanOrEqual(sum(current) + 9 * metadataBytes * 1.1);
    expect(metadataBytes).toBeLessThan(sum(currentContent) / 4);

    // Private: only the owner can read a backup (folders 0700, files 0600), whatever wrote them.
    if (process.platform !== 'win32') {
      const modes = new Set<string>();
      const walk = (dir: string): void => {
        modes.add(`d${(fs.statSync(dir).mode & 0o777).toString(8)}`);
        for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
          if (item.isDirectory()) walk(path.join(dir, item.name));
          else modes.add(`f${(fs.statSync(path.join(dir, item.name)).mode & 0o777).toString(8)}`);
        }
      };
      walk(path.join(root, device.udid));
      expect([...modes].sort()).toEqual(['d700', 'f600']);
      expect(fs.statSync(path.join(root, '.lifeboat')).mode & 0o777).toBe(0o700);
    }
  });

  it('applies the retention policy after a successful run', async () => {
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, retention: { keepLast: 3 } });
    expect(result.prunedSnapshots.length).toBe(7);
    const snapshots = await listSnapshots(root, device.udid);
    expect(snapshots.length).toBe(4);
    for (const pruned of result.prunedSnapshots) expect(snapshots.some((s) => s.id === pruned)).toBe(false);
    expect(fs.readdirSync(path.join(root, device.udid)).length).toBeGreaterThan(256);
  });

  it('applies the default retention (last 10, one a month for a year) when none is given', async () => {
    // Twenty monthly snapshots from two to four years ago, as a long-used store would hold.
    const old: string[] = [];
    for (let month = 0; month < 20; month += 1) {
      const id = snapshotFolderName(new Date(Date.UTC(new Date().getUTCFullYear() - 4, month, 3, 8)));
      fs.mkdirSync(path.join(root, '.lifeboat', 'snapshots', device.udid, id), { recursive: true });
      old.push(id);
    }
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    const snapshots = await listSnapshots(root, device.udid);
    // Current, then 10: the 4 real snapshots and the 6 newest old ones; none of the rest is within a year.
    expect(snapshots.length).toBe(11);
    expect([...result.prunedSnapshots].sort()).toEqual(old.slice(0, 14));
    expect(snapshots[0]?.isCurrent).toBe(true);
  });

  it('lists, verifies and reads a snapshot of a changed phone as the whole backup it was', async () => {
    const before = hashTree(path.join(root, device.udid));
    await changePhone(device.phone, { seed: 31, addPhotos: 2, modifyFiles: 4, deleteFiles: 3 });
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    const snapshot = result.previousSnapshot as string;
    expect(fs.existsSync(path.join(snapshot, '.lifeboat-delta.json'))).toBe(true);
    const whole = await completeBackupFolder(snapshot, root);
    expect(new Map([...hashTree(whole)].filter(([name]) => !name.endsWith('/')))).toEqual(new Map([...before].filter(([name]) => !name.endsWith('/'))));
    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const record = catalog.list().find((candidate) => candidate.path === fs.realpathSync(snapshot));
      expect(record?.status).toBe('complete');
      const report = await catalog.verify(record?.id as string);
      expect(report.ok).toBe(true);
      expect(report.checkedFiles).toBeGreaterThan(100);
    } finally {
      catalog.close();
    }
  });
});
