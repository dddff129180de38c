import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/main/core/app-core';
import { groupBackups, totalDiskBytes } from '../../src/renderer/features/manage/backup-groups';
import type { BackupsChanged, BackupView, JobFinished } from '../../src/shared/contract';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/** `dev:ino` → size of every regular file under the folders, each inode once. */
function inodes(folders: readonly string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const folder of folders) {
    for (const name of fs.readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
      const stat = fs.lstatSync(path.join(folder, name), { bigint: true });
      if (stat.isFile()) seen.set(`${stat.dev}:${stat.ino}`, Number(stat.size));
    }
  }
  return seen;
}

const sum = (sizes: Map<string, number>): number => [...sizes.values()].reduce((total, size) => total + size, 0);

/**
 * Manage Backups' totals ("N backups of M iPhones, X on disk", "k backups, Y on disk") are what the
 * backups take on disk, shared files counted once. An archive hard-links its content to the backup
 * it was made from, so the rows' sizes added up read a phone with one archive at twice its size:
 * the core counts the files (the catalog's inodes) and sends the totals with the list.
 */
describe('what the backups take on disk (core, real catalog, a backup and an archive of it)', () => {
  let harness: SimHarness;
  let core: AppCore;
  let first: string;
  let second: string;

  const backUp = async (udid: string): Promise<void> => {
    const finished = new Promise<JobFinished>((resolve) => {
      const off = core.on('job:finished', (event) => {
        if (event.udid !== udid) return;
        off();
        resolve(event);
      });
    });
    await core.invoke('backup:start', { udid });
    expect((await finished).outcome).toBe('succeeded');
  };

  /**
   * The list as the window gets it with its totals: backups:changed, which backups:list sends
   * first, with the totals when counted already, else again once they are (off the main thread).
   */
  const listed = async (): Promise<BackupsChanged> => {
    let off = (): void => undefined;
    const counted = new Promise<BackupsChanged>((resolve) => {
      off = core.on('backups:changed', (event) => {
        if (event.usage !== undefined) resolve(event);
      });
    });
    const backups = await core.invoke('backups:list', {});
    const event = await counted;
    off();
    expect(event.backups).toEqual(backups);
    return event;
  };

  beforeAll(async () => {
    harness = await startSimHarness({ devices: 2 });
    ({ core, udid: first } = await startPairedAppCore(harness));
    second = harness.sim.devices()[1]!.udid;
    await core.invoke('devices:pair', { udid: second });
    await backUp(first);
    await backUp(second);
    const latest = (await core.invoke('backups:list', { udid: first }))[0]!;
    await core.invoke('backups:archive', { backupId: latest.id });
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  it('counts the files an archive shares with its backup once, per phone and in all', async () => {
    const { backups, usage } = await listed();
    const of = (udid: string): BackupView[] => backups.filter((backup) => backup.udid === udid);
    expect(of(first).map((backup) => backup.archived).sort()).toEqual([false, true]);
    expect(of(second)).toHaveLength(1);

    const firstBytes = sum(inodes(of(first).map((backup) => backup.path)));
    const secondBytes = sum(inodes(of(second).map((backup) => backup.path)));
    const allBytes = sum(inodes(backups.map((backup) => backup.path)));
    // The archive is (nearly) all links to the latest backup: the rows' sizes add up to about twice this.
    expect(of(first).reduce((total, backup) => total + (backup.diskBytes ?? backup.sizeBytes), 0)).toBeGreaterThan(1.5 * firstBytes);

    expect(usage).toBeDefined();
    const phone = (udid: string) => usage!.phones.find((candidate) => candidate.udid === udid);
    expect(phone(first)).toEqual({ udid: first, diskBytes: firstBytes, backupIds: expect.arrayContaining(of(first).map((backup) => backup.id)) });
    expect(phone(first)!.backupIds).toHaveLength(2);
    expect(phone(second)).toMatchObject({ diskBytes: secondBytes, backupIds: [of(second)[0]!.id] });
    expect(usage!.totalBytes).toBe(allBytes);

    // Manage Backups shows exactly these figures.
    const groups = groupBackups(backups, [], usage);
    expect(Object.fromEntries(groups.map((group) => [group.udid, group.diskBytes]))).toEqual({ [first]: firstBytes, [second]: secondBytes });
    expect(totalDiskBytes(usage, groups)).toBe(allBytes);
  });

  it('shows no total for a list the figures did not count (a backup deleted since)', async () => {
    const { backups, usage } = await listed();
    const archive = backups.find((backup) => backup.archived)!;
    const groups = groupBackups(backups.filter((backup) => backup.id !== archive.id), [], usage);
    expect(groups.find((group) => group.udid === first)!.diskBytes).toBeUndefined();
    expect(groups.find((group) => group.udid === second)!.diskBytes).toBeDefined();
    expect(totalDiskBytes(usage, groups)).toBeUndefined();
  });
});
