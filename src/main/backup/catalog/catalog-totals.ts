import Database from 'better-sqlite3';

/**
 * Bytes on disk of sets of backups, each inode once, summed in SQL over the catalog's `inodes`
 * table (catalog-store.ts). One implementation, run where the caller says: on the caller's thread
 * (the CLI) or on the catalog's reader thread (the app: reader/backup-reader-worker.ts), as the
 * union of a million-file phone's backups takes ~350–560 ms of one synchronous SQLite call, which
 * held the app's main process (its window, IPC) at every history change.
 */

/** totalBytes of each group of backups (by key, e.g. a phone's UDID), and of all of them. */
export interface GroupTotals {
  readonly totalBytes: number;
  readonly groups: ReadonlyMap<string, number>;
}

/**
 * Where another thread finds the catalog's rows: its file (opened read-only), or an image of a
 * catalog kept in memory (better-sqlite3's `serialize()`, a copy of the whole database).
 */
export type CatalogImage = { readonly file: string } | { readonly bytes: Uint8Array };

/** Sums groups somewhere other than this thread; rejects when it cannot (the total is then left out). */
export type TotalsRunner = (image: CatalogImage, groups: ReadonlyMap<string, readonly string[]>) => Promise<GroupTotals>;

/** One backup is a range of the primary key (~40 ms per million files); several need the union of their inodes. */
export function sumBackups(db: Database.Database, ids: readonly string[]): number {
  if (ids.length === 0) return 0;
  if (ids.length === 1) return Number(db.prepare('SELECT COALESCE(SUM(size), 0) FROM inodes WHERE backup_id = ?').pluck().get(ids[0]));
  const union = 'SELECT COALESCE(SUM(size), 0) FROM (SELECT inode, MAX(size) AS size FROM inodes WHERE backup_id IN (SELECT value FROM json_each(?)) GROUP BY inode)';
  return Number(db.prepare(union).pluck().get(JSON.stringify(ids)));
}

/** sumBackups of each group, and of all of them (not summed again when there is one group). */
export function sumGroups(db: Database.Database, groups: ReadonlyMap<string, readonly string[]>): GroupTotals {
  const totals = new Map<string, number>();
  for (const [key, ids] of groups) totals.set(key, sumBackups(db, ids));
  const totalBytes = groups.size === 1 ? ([...totals.values()][0] ?? 0) : sumBackups(db, [...groups.values()].flat());
  return { totalBytes, groups: totals };
}

/** sumGroups over a catalog opened read-only from `image`, for the reader thread. */
export function sumGroupsIn(image: CatalogImage, groups: ReadonlyMap<string, readonly string[]>): GroupTotals {
  const db = 'file' in image ? new Database(image.file, { readonly: true, fileMustExist: true }) : new Database(Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength), { readonly: true });
  try {
    return sumGroups(db, groups);
  } finally {
    db.close();
  }
}
