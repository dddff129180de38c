import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnsDuring } from '../helpers/event-loop-turns';
import type { BackupRecord } from '../../src/main/backup/catalog/catalog-model';
import { CatalogStore, type StoredBackup } from '../../src/main/backup/catalog/catalog-store';
import { type GroupTotals, sumGroupsIn, type TotalsRunner } from '../../src/main/backup/catalog/catalog-totals';
import { createUntrustedBackupReader, type UntrustedBackupReader } from '../../src/main/reader';

/**
 * Manage Backups' totals are a sum over every file of every backup, each inode once: for a
 * million-file phone's backups ~0.5 s of one SQLite call, which held the app's main process at every
 * history change. The app sums them on the catalog's reader thread (catalog-totals.ts), reading the
 * catalog's file (or an image of one kept in memory); puts and removes wait for the sum, so no
 * COMMIT waits for that reader on the main thread, and a sum asked for a history that has changed
 * since gives nothing rather than another list's figures.
 */

/** Rows per backup: enough that the union takes a while to sum (the thread answers after the loop has turned). */
const ROWS = 60_000;

let work: string;
let reader: UntrustedBackupReader;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-totals-'));
  reader = createUntrustedBackupReader({ startDeadlineMs: 60_000 });
});
afterAll(async () => {
  await reader.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function stored(id: string, udid = 'phone'): StoredBackup {
  // Only id and path matter to the store; the rest of the record is carried as JSON.
  const record = { id, path: `/backups/${id}`, location: 'root', madeBy: 'lifeboat', udid } as unknown as BackupRecord;
  return { record, fingerprint: 'f', unlocked: false };
}

/** `count` inodes of 10 bytes from `first` on: two backups whose ranges overlap share those files. */
function inodes(first: number, count: number): Map<string, number> {
  return new Map(Array.from({ length: count }, (_, index) => [`1:${first + index}`, 10] as const));
}

/** Two backups of one phone sharing half their files, and a second phone's. */
async function fill(store: CatalogStore): Promise<void> {
  await store.put(stored('latest'), inodes(0, ROWS));
  await store.put(stored('earlier'), inodes(ROWS / 2, ROWS));
  await store.put(stored('other', 'phone-2'), inodes(10 * ROWS, 3));
}

const GROUPS: ReadonlyMap<string, readonly string[]> = new Map([
  ['phone', ['latest', 'earlier']],
  ['phone-2', ['other']],
]);

const EXPECTED: GroupTotals = { totalBytes: (ROWS * 1.5 + 3) * 10, groups: new Map([['phone', ROWS * 1.5 * 10], ['phone-2', 30]]) };

/** `runner`, watched: for each call, the turns of the event loop between the call and its answer. */
function watched(runner: TotalsRunner): { runner: TotalsRunner; turnsPerCall: number[] } {
  const turnsPerCall: number[] = [];
  return {
    turnsPerCall,
    runner: async (image, groups) => {
      const { value, turns } = await turnsDuring(() => runner(image, groups));
      turnsPerCall.push(turns);
      return value;
    },
  };
}

describe('catalog totals on the reader thread', () => {
  it('sums the union on the thread while the event loop keeps turning, each shared file once', async () => {
    const store = new CatalogStore(path.join(work, 'file', 'catalog.db'));
    try {
      await fill(store);
      // The thread is started first: its start-up is not what is measured here.
      expect(await store.totalsAt(store.version, new Map([['phone-2', ['other']]]), reader.totals)).toEqual({ totalBytes: 30, groups: new Map([['phone-2', 30]]) });
      // Not a count of turns, which depends on the machine's speed and load: the store hands the
      // sum to the thread's runner (once), and the loop turns while that runner works. Summed on
      // this thread, the runner would not be called, or (one synchronous SQLite call) the loop
      // could not turn before its answer.
      const thread = watched(reader.totals);
      expect(await store.totalsAt(store.version, GROUPS, thread.runner)).toEqual(EXPECTED);
      expect(thread.turnsPerCall).toHaveLength(1);
      expect(thread.turnsPerCall[0]).toBeGreaterThanOrEqual(1);
      // The check tells: a runner that sums here, synchronously, lets the loop turn not once.
      const here = watched(async (image, groups) => sumGroupsIn(image, groups));
      expect(await store.totalsAt(store.version, GROUPS, here.runner)).toEqual(EXPECTED);
      expect(here.turnsPerCall).toEqual([0]);
    } finally {
      store.close();
    }
  });

  it('sums a catalog kept in memory from an image of it', async () => {
    const store = new CatalogStore(undefined);
    try {
      await fill(store);
      expect(await store.totalsAt(store.version, GROUPS, reader.totals)).toEqual(EXPECTED);
    } finally {
      store.close();
    }
  });

  it('gives nothing for a history that changed since it was asked, and puts wait for a running sum', async () => {
    const store = new CatalogStore(path.join(work, 'order', 'catalog.db'));
    try {
      await fill(store);
      const asked = store.version;
      let release: () => void = () => undefined;
      const held: TotalsRunner = async (image, groups) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return reader.totals(image, groups);
      };
      const summing = store.totalsAt(asked, GROUPS, held);
      const putting = store.put(stored('new'), inodes(20 * ROWS, 5));
      for (let turn = 0; turn < 20; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
      // The put has not begun while the other thread may be reading the file.
      expect(store.get('new')).toBeUndefined();
      expect(store.version).toBe(asked);
      release();
      expect(await summing).toEqual(EXPECTED);
      await putting;
      expect(store.get('new')).toBeDefined();
      expect(await store.totalsAt(asked, GROUPS, reader.totals)).toBeUndefined();
      await store.remove('new');
      const afterRemove = store.version;
      expect(await store.totalsAt(afterRemove, GROUPS, reader.totals)).toEqual(EXPECTED);
    } finally {
      store.close();
    }
  });
});
