import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { turnsDuring } from '../../../../test/helpers/event-loop-turns';
import type { BackupRecord } from './catalog-model';
import { CatalogStore, INODE_ROWS_PER_SLICE, type StoredBackup } from './catalog-store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-catalog-store-'));
const file = path.join(dir, 'catalog.db');
const store = new CatalogStore(file);
afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function stored(id: string): StoredBackup {
  // Only id and path matter to the store; the rest of the record is carried as JSON.
  const record = { id, path: `/backups/${id}`, location: 'root', madeBy: 'lifeboat', udid: id } as unknown as BackupRecord;
  return { record, fingerprint: 'f', unlocked: false };
}

function inodes(prefix: string, count: number): Map<string, number> {
  return new Map(Array.from({ length: count }, (_, index) => [`${prefix}:${index}`, 10] as const));
}

const inodeRowsOf = (id: string): number => {
  const reader = new Database(file, { readonly: true });
  try {
    return (reader.prepare('SELECT COUNT(*) AS n FROM inodes WHERE backup_id = ?').get(id) as { n: number }).n;
  } finally {
    reader.close();
  }
};

describe('CatalogStore.put', () => {
  it('lets the event loop run while it writes a big backup\'s inodes, and commits them whole', async () => {
    let seenByOtherConnection = -1;
    const { turns } = await turnsDuring(() => store.put(stored('big'), inodes('big', INODE_ROWS_PER_SLICE * 5 + 7)), (turn) => {
      // Another process looking in the middle of the put sees nothing of it.
      if (turn === 2) seenByOtherConnection = inodeRowsOf('big');
    });
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(seenByOtherConnection).toBe(0);
    expect(inodeRowsOf('big')).toBe(INODE_ROWS_PER_SLICE * 5 + 7);
    expect(store.totalBytes(['big'])).toBe((INODE_ROWS_PER_SLICE * 5 + 7) * 10);
  });

  it('lets the event loop run while it removes the inodes a put replaces', async () => {
    await store.put(stored('replaced'), inodes('replaced', INODE_ROWS_PER_SLICE * 5));
    const { turns } = await turnsDuring(() => store.put(stored('replaced'), new Map()));
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(inodeRowsOf('replaced')).toBe(0);
    await store.remove('replaced');
  });

  it('lets the event loop run while it forgets a big backup', async () => {
    await store.put(stored('forgotten'), inodes('forgotten', INODE_ROWS_PER_SLICE * 5));
    const { turns } = await turnsDuring(() => store.remove('forgotten'));
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(inodeRowsOf('forgotten')).toBe(0);
    expect(store.get('forgotten')).toBeUndefined();
  });

  it('queues puts that overlap, so both land', async () => {
    await Promise.all([store.put(stored('a'), inodes('a', INODE_ROWS_PER_SLICE * 2)), store.put(stored('b'), inodes('b', INODE_ROWS_PER_SLICE + 1))]);
    expect(inodeRowsOf('a')).toBe(INODE_ROWS_PER_SLICE * 2);
    expect(inodeRowsOf('b')).toBe(INODE_ROWS_PER_SLICE + 1);
    expect(store.all().map((row) => row.record.id).sort()).toEqual(['a', 'b', 'big']);
  });

  it('rolls a failed put back whole, keeping what the backup had before', async () => {
    await store.put(stored('kept'), inodes('old', 3));
    const failing = new Map(inodes('new', INODE_ROWS_PER_SLICE * 3));
    const broken = {
      *[Symbol.iterator](): IterableIterator<[string, number]> {
        let index = 0;
        for (const entry of failing) {
          if (index++ === INODE_ROWS_PER_SLICE * 2) throw new Error('disk went away');
          yield entry;
        }
      },
    } as unknown as ReadonlyMap<string, number>;
    await expect(store.put(stored('kept'), broken)).rejects.toThrow('disk went away');
    expect(inodeRowsOf('kept')).toBe(3);
    expect(store.totalBytes(['kept'])).toBe(30);
    // The store goes on working after the failure.
    await store.put(stored('after'), inodes('after', 2));
    expect(inodeRowsOf('after')).toBe(2);
  });
});
