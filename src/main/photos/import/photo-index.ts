import path from 'node:path';
import Database from 'better-sqlite3';
import type { CaptureDateSource } from './capture-date';

/**
 * What an import folder already holds, so the next import copies only what is new.
 *
 * Kept as SQLite (`<folder>/.lifeboat-photos.db`): each batch of published copies is committed as
 * it is published (publish-queue.ts), so a cable pulled after photo 900 of 1000 still remembers
 * the 900. Two tables:
 * - `photos`: one row per distinct content (SHA-1 + size), where it went and when it was taken;
 * - `sources`: which phone file (UDID + AFC path, with the size and mtime seen) is which photo, so
 *   an unchanged file is skipped on size + mtime without transferring a byte.
 * A file renamed or re-numbered on the phone misses `sources` but is recognised by its
 * `fingerprint` (size + first and last 64 KiB) before it is downloaded.
 */
export const PHOTO_INDEX_FILE_NAME = '.lifeboat-photos.db';

const SCHEMA_VERSION = 1;

interface PhotoRecord {
  readonly id: number;
  readonly sha1: string;
  readonly size: number;
  readonly fingerprint: string;
  /** Relative to the import folder, with `/` separators. */
  readonly destination: string;
  readonly capturedAt: number | undefined;
  readonly captureSource: CaptureDateSource;
}

interface SourceRecord {
  readonly photoId: number;
  readonly size: number;
  readonly modifiedMs: number;
}

export interface NewPhoto {
  readonly sha1: string;
  readonly size: number;
  readonly fingerprint: string;
  readonly destination: string;
  readonly capturedAt: number | undefined;
  readonly captureSource: CaptureDateSource;
  readonly modifiedMs: number;
}

/** One row of a batch: a new photo and where it came from, or another phone file of content already recorded. */
export type IndexEntry =
  | { readonly kind: 'photo'; readonly photo: NewPhoto; readonly source: PhotoSource }
  | { readonly kind: 'link'; readonly sha1: string; readonly size: number; readonly source: PhotoSource };

export interface PhotoSource {
  readonly udid: string;
  readonly devicePath: string;
  readonly size: number;
  readonly modifiedMs: number;
}

interface PhotoRow {
  id: number;
  sha1: string;
  size: number;
  fingerprint: string;
  destination: string;
  captured_at: number | null;
  capture_source: string;
}

export class PhotoIndex {
  private readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating when needed) the index of an import folder. */
  static open(folder: string): PhotoIndex {
    const db = new Database(path.join(folder, PHOTO_INDEX_FILE_NAME));
    try {
      // Rollback journal, not WAL: between imports the folder holds one index file, nothing else.
      db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`The photo index in ${folder} was written by a newer Lifeboat (format ${version}); update Lifeboat to import into this folder.`);
      }
      db.exec(`
        CREATE TABLE IF NOT EXISTS photos (
          id INTEGER PRIMARY KEY,
          sha1 TEXT NOT NULL,
          size INTEGER NOT NULL,
          fingerprint TEXT NOT NULL,
          destination TEXT NOT NULL,
          captured_at INTEGER,
          capture_source TEXT NOT NULL,
          modified_ms INTEGER NOT NULL,
          imported_at INTEGER NOT NULL,
          UNIQUE (sha1, size)
        );
        CREATE INDEX IF NOT EXISTS photos_by_fingerprint ON photos (size, fingerprint);
        CREATE TABLE IF NOT EXISTS sources (
          udid TEXT NOT NULL,
          device_path TEXT NOT NULL,
          size INTEGER NOT NULL,
          modified_ms INTEGER NOT NULL,
          photo_id INTEGER NOT NULL REFERENCES photos (id),
          PRIMARY KEY (udid, device_path)
        );
      `);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (error) {
      db.close();
      throw error;
    }
    return new PhotoIndex(db);
  }

  /** The phone file seen at this path last time, if any. */
  source(udid: string, devicePath: string): SourceRecord | undefined {
    const row = this.db
      .prepare<[string, string], { photo_id: number; size: number; modified_ms: number }>('SELECT photo_id, size, modified_ms FROM sources WHERE udid = ? AND device_path = ?')
      .get(udid, devicePath);
    return row && { photoId: row.photo_id, size: row.size, modifiedMs: row.modified_ms };
  }

  photo(id: number): PhotoRecord | undefined {
    return toRecord(this.db.prepare<[number], PhotoRow>('SELECT * FROM photos WHERE id = ?').get(id));
  }

  /** Whether any known photo has this size: only then is a fingerprint worth reading. */
  hasSize(size: number): boolean {
    return this.db.prepare<[number], { one: number }>('SELECT 1 AS one FROM photos WHERE size = ? LIMIT 1').get(size) !== undefined;
  }

  byFingerprint(size: number, fingerprint: string): PhotoRecord | undefined {
    return toRecord(this.db.prepare<[number, string], PhotoRow>('SELECT * FROM photos WHERE size = ? AND fingerprint = ? LIMIT 1').get(size, fingerprint));
  }

  byContent(sha1: string, size: number): PhotoRecord | undefined {
    return toRecord(this.db.prepare<[string, number], PhotoRow>('SELECT * FROM photos WHERE sha1 = ? AND size = ?').get(sha1, size));
  }

  /** Another phone path (renamed, re-numbered, another phone) now leads to a known photo. */
  linkSource(source: PhotoSource, photoId: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO sources (udid, device_path, size, modified_ms, photo_id) VALUES (?, ?, ?, ?, ?)')
      .run(source.udid, source.devicePath, source.size, source.modifiedMs, photoId);
  }

  /** Records a copied file and the phone file it came from, in one transaction. */
  addPhoto(photo: NewPhoto, source: PhotoSource): PhotoRecord {
    const [id] = this.record([{ kind: 'photo', photo, source }]);
    const record = id === undefined ? undefined : this.photo(id);
    if (!record) throw new Error(`The photo index lost the row it just wrote for ${photo.destination}.`);
    return record;
  }

  /**
   * Records a batch of published copies in one transaction (one journal flush for the batch, not
   * one per photo), in order, so a link can name content added earlier in the same batch. Returns
   * the photo id of each entry.
   */
  record(entries: readonly IndexEntry[]): number[] {
    const insert = this.db.transaction((): number[] =>
      entries.map((entry) => {
        if (entry.kind === 'link') {
          const known = this.byContent(entry.sha1, entry.size);
          if (!known) throw new Error(`The photo index has no photo of ${entry.size} bytes with SHA-1 ${entry.sha1} to link ${entry.source.devicePath} to.`);
          this.linkSource(entry.source, known.id);
          return known.id;
        }
        const { photo, source } = entry;
        const result = this.db
          .prepare(
            `INSERT INTO photos (sha1, size, fingerprint, destination, captured_at, capture_source, modified_ms, imported_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (sha1, size) DO UPDATE SET destination = excluded.destination, fingerprint = excluded.fingerprint`,
          )
          .run(photo.sha1, photo.size, photo.fingerprint, photo.destination, photo.capturedAt ?? null, photo.captureSource, photo.modifiedMs, Date.now());
        const id = this.byContent(photo.sha1, photo.size)?.id ?? Number(result.lastInsertRowid);
        this.linkSource(source, id);
        return id;
      }),
    );
    return insert();
  }

  /** The photo now lives at another path (its HEIC replaced by the JPEG made from it). */
  moveDestination(id: number, destination: string): void {
    this.db.prepare('UPDATE photos SET destination = ? WHERE id = ?').run(destination, id);
  }

  /** Every photo, for reports and tests. */
  photos(): PhotoRecord[] {
    return this.db
      .prepare<[], PhotoRow>('SELECT * FROM photos ORDER BY id')
      .all()
      .map((row) => toRecord(row) as PhotoRecord);
  }

  close(): void {
    this.db.close();
  }
}

function toRecord(row: PhotoRow | undefined): PhotoRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    sha1: row.sha1,
    size: row.size,
    fingerprint: row.fingerprint,
    destination: row.destination,
    capturedAt: row.captured_at ?? undefined,
    captureSource: row.capture_source as CaptureDateSource,
  };
}
