import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupRecord } from './catalog-model';
import { type CatalogImage, type GroupTotals, sumBackups, sumGroups, type TotalsRunner } from './catalog-totals';

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
  /**
   * The put, remove or off-thread sum in progress, which the next one waits for: two puts never
   * share a transaction, and no put or remove runs while another thread reads the file (its COMMIT
   * would wait for that reader on this thread, in SQLite's busy handler).
   */
  private turns: Promise<unknown> = Promise.resolve();
  /** Counts the changes made: a total is given only for the history as it was when it was asked for. */
  private changes = 0;

  /** `file` undefined keeps the history in memory only (a backup folder that is not there: catalog.ts). */
  constructor(private readonly file: string | undefined) {
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
    return this.take(() => this.putInSlices(stored, inodes));
  }

  /** Runs `work` after everything taken before it, whether that succeeded or not. */
  private take<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.turns.then(work);
    this.turns = turn.catch(() => undefined);
    return turn;
  }

  /** Deletes the inode rows of backup `id` a slice at a time, the event loop running between slices. */
  private async deleteInodesInSlices(id: string): Promise<void> {
    const deleteSlice = this.db.prepare('DELETE FROM inodes WHERE backup_id = @id AND inode IN (SELECT inode FROM inodes WHERE backup_id = @id LIMIT @limit)');
    while (deleteSlice.run({ id, limit: INODE_ROWS_PER_SLICE }).changes > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** BEGIN…COMMIT around `work`, rolled back whole when it fails; counted as a change either way. */
  private async asOneTransaction(work: () => Promise<void>): Promise<void> {
    this.changes += 1;
    this.db.exec('BEGIN');
    try {
      await work();
      this.db.exec('COMMIT');
    } catch (error) {
      // A closed database (the app quitting mid-put) has already rolled back.
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.changes += 1;
    }
  }

  private putInSlices(stored: StoredBackup, inodes: ReadonlyMap<string, number>): Promise<void> {
    return this.asOneTransaction(async () => {
      // The rows being replaced go in slices too: the cascade of one DELETE held the loop ~1 s after
      // every backup of a 100,000-file phone (bench event-loop row).
      const replaced = this.db.prepare('SELECT id FROM backups WHERE id = ? OR path = ?').pluck().all(stored.record.id, stored.record.path) as string[];
      for (const id of replaced) await this.deleteInodesInSlices(id);
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
    });
  }

  /**
   * Forgets a backup. Its inode rows go in slices, as in put: the cascade of one DELETE held the
   * app's event loop ~1 s for a snapshot of a 100,000-file phone, which retention removes after a backup.
   */
  remove(id: string): Promise<void> {
    return this.take(() =>
      this.asOneTransaction(async () => {
        await this.deleteInodesInSlices(id);
        this.db.prepare('DELETE FROM backups WHERE id = ?').run(id);
      }),
    );
  }

  /** Which state of the history the rows read now are: it changes with every put and remove. */
  get version(): number {
    return this.changes;
  }

  /** Bytes on disk of the given backups together, each inode once, on this thread (the CLI: catalog-totals.ts). */
  totalBytes(ids: readonly string[]): number {
    return sumBackups(this.db, ids);
  }

  /**
   * The totals of `groups` (catalog-totals.ts) as the history was at `version`, or undefined when it
   * has changed since (the groups may name backups gone or changed). `runner` sums off this thread;
   * no put or remove runs meanwhile. Without one they are summed here, synchronously.
   */
  totalsAt(version: number, groups: ReadonlyMap<string, readonly string[]>, runner?: TotalsRunner): Promise<GroupTotals | undefined> {
    return this.take(async () => {
      if (this.changes !== version) return undefined;
      if (!runner) return sumGroups(this.db, groups);
      return runner(this.image(), groups);
    });
  }

  /** What another thread opens to read the rows: the file, or a copy of a catalog kept in memory. */
  private image(): CatalogImage {
    return this.file === undefined ? { bytes: this.db.serialize() } : { file: this.file };
  }

  close(): void {
    this.db.close();
  }
}
