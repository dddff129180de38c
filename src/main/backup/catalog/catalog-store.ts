import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupRecord } from './catalog-model';

/**
 * The catalog's own database, `<root>/.lifeboat/catalog.db` (mode 0600: it names devices and
 * backup paths). One row per backup folder (the record as JSON plus the fingerprint that lets
 * refresh skip unchanged folders) and the inodes of each, so totals count hard links once.
 */

/** 2: records carry contentBytes (a snapshot's size read through its chain); older caches are rebuilt. */
const SCHEMA_VERSION = 2;

export interface StoredBackup {
  readonly record: BackupRecord;
  readonly fingerprint: string;
  /** Whether the counts came from a decrypted manifest. */
  readonly unlocked: boolean;
}

export function backupIdFor(realPath: string): string {
  return crypto.createHash('sha256').update(realPath, 'utf8').digest('hex').slice(0, 16);
}

/** Inode rows written per slice of CatalogStore.put, between which the event loop runs (about 5 ms each). */
export const INODE_ROWS_PER_SLICE = 2_000;

export class CatalogStore {
  private readonly db: Database.Database;
  /** The put in progress, which the next one waits for. */
  private writing: Promise<void> = Promise.resolve();

  /** `file` undefined keeps the history in memory only (a backup folder that is not there: catalog.ts). */
  constructor(file: string | undefined) {
    if (file !== undefined) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // Create the file with its final mode before SQLite opens it: no moment of wider access.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
      fs.chmodSync(file, 0o600);
    }
    this.db = new Database(file ?? ':memory:');
    this.db.pragma('foreign_keys = ON');
    if (Number(this.db.pragma('user_version', { simple: true })) !== SCHEMA_VERSION) {
      // A cache, not a source of truth: an unknown layout is rebuilt from the folders.
      this.db.exec('DROP TABLE IF EXISTS inodes; DROP TABLE IF EXISTS backups;');
      this.db.exec(`
        CREATE TABLE backups (id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL,
                              unlocked INTEGER NOT NULL, record TEXT NOT NULL);
        CREATE TABLE inodes (backup_id TEXT NOT NULL REFERENCES backups(id) ON DELETE CASCADE,
                             inode TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (backup_id, inode)) WITHOUT ROWID;
        CREATE INDEX inodes_by_inode ON inodes(inode);
        PRAGMA user_version = ${SCHEMA_VERSION};
      `);
    }
  }

  all(): StoredBackup[] {
    const rows = this.db.prepare('SELECT fingerprint, unlocked, record FROM backups').all() as Array<{ fingerprint: string; unlocked: number; record: string }>;
    return rows.map((row) => ({ record: JSON.parse(row.record) as BackupRecord, fingerprint: row.fingerprint, unlocked: row.unlocked === 1 }));
  }

  get(id: string): StoredBackup | undefined {
    const row = this.db.prepare('SELECT fingerprint, unlocked, record FROM backups WHERE id = ?').get(id) as { fingerprint: string; unlocked: number; record: string } | undefined;
    return row && { record: JSON.parse(row.record) as BackupRecord, fingerprint: row.fingerprint, unlocked: row.unlocked === 1 };
  }

  /**
   * Replaces a backup's row and its inodes in one transaction. A backup of 100,000 files has as
   * many inode rows; written in one synchronous go they held the app's main process (its event
   * loop: IPC, the window) for a second and more after every backup (`npm run bench -- --only
   * event-loop`). So the rows go in slices with the event loop running between them, still inside
   * one BEGIN…COMMIT: another process never sees half a backup and a crash rolls the whole put back.
   * Puts wait for each other, so two never share the transaction.
   */
  put(stored: StoredBackup, inodes: ReadonlyMap<string, number>): Promise<void> {
    const turn = this.writing.then(() => this.putInSlices(stored, inodes));
    this.writing = turn.catch(() => undefined);
    return turn;
  }

  private async putInSlices(stored: StoredBackup, inodes: ReadonlyMap<string, number>): Promise<void> {
    this.db.exec('BEGIN');
    try {
      // The rows being replaced go in slices too: the cascade of one DELETE held the loop ~1 s after
      // every backup of a 100,000-file phone (bench event-loop row).
      const replaced = this.db.prepare('SELECT id FROM backups WHERE id = ? OR path = ?').pluck().all(stored.record.id, stored.record.path) as string[];
      const deleteSlice = this.db.prepare('DELETE FROM inodes WHERE backup_id = @id AND inode IN (SELECT inode FROM inodes WHERE backup_id = @id LIMIT @limit)');
      for (const id of replaced) {
        while (deleteSlice.run({ id, limit: INODE_ROWS_PER_SLICE }).changes > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      this.db.prepare('DELETE FROM backups WHERE id = ? OR path = ?').run(stored.record.id, stored.record.path);
      this.db
        .prepare('INSERT INTO backups (id, path, fingerprint, unlocked, record) VALUES (?, ?, ?, ?, ?)')
        .run(stored.record.id, stored.record.path, stored.fingerprint, stored.unlocked ? 1 : 0, JSON.stringify(stored.record));
      const insert = this.db.prepare('INSERT OR REPLACE INTO inodes (backup_id, inode, size) VALUES (?, ?, ?)');
      let inSlice = 0;
      for (const [inode, size] of inodes) {
        insert.run(stored.record.id, inode, size);
        inSlice += 1;
        if (inSlice === INODE_ROWS_PER_SLICE) {
          inSlice = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      // A closed database (the app quitting mid-put) has already rolled back.
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM backups WHERE id = ?').run(id);
  }

  /**
   * Bytes on disk of the given backups together, each inode once, summed in SQL. One backup is a
   * range of the primary key (~40 ms per million files here); several need the union of their
   * inodes (~350 ms per million rows), which runs synchronously on the caller's thread.
   */
  totalBytes(ids: readonly string[]): number {
    if (ids.length === 0) return 0;
    if (ids.length === 1) return Number(this.db.prepare('SELECT COALESCE(SUM(size), 0) FROM inodes WHERE backup_id = ?').pluck().get(ids[0]));
    const union = 'SELECT COALESCE(SUM(size), 0) FROM (SELECT inode, MAX(size) AS size FROM inodes WHERE backup_id IN (SELECT value FROM json_each(?)) GROUP BY inode)';
    return Number(this.db.prepare(union).pluck().get(JSON.stringify(ids)));
  }

  /** totalBytes of each group of backups, and of all of them (not summed again when there is one group). */
  groupTotals(groups: ReadonlyMap<string, readonly string[]>): { readonly totalBytes: number; readonly groups: ReadonlyMap<string, number> } {
    const totals = new Map<string, number>();
    for (const [key, ids] of groups) totals.set(key, this.totalBytes(ids));
    const totalBytes = groups.size === 1 ? [...totals.values()][0] ?? 0 : this.totalBytes([...groups.values()].flat());
    return { totalBytes, groups: totals };
  }

  close(): void {
    this.db.close();
  }
}
