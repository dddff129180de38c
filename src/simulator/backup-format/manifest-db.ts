import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { BackupFormatError } from './errors';
import { type MbFileInfo, decodeMbFile, encodeMbFile } from './mbfile';

/** Manifest.db `flags` column (protocol.md §5.6): 1 regular file, 2 directory, 4 symbolic link. */
export type ManifestFlags = 1 | 2 | 4;

export const MANIFEST_FLAG_FILE = 1 as const;
export const MANIFEST_FLAG_DIRECTORY = 2 as const;
export const MANIFEST_FLAG_SYMLINK = 4 as const;

export interface ManifestRow {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: ManifestFlags;
  readonly file: MbFileInfo;
}

// The schema of real iOS 10+ Manifest.db files (§5.6), statement for statement.
const SCHEMA = [
  'CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)',
  'CREATE INDEX FilesDomainIdx ON Files(domain)',
  'CREATE INDEX FilesRelativePathIdx ON Files(relativePath)',
  'CREATE INDEX FilesFlagsIdx ON Files(flags)',
  'CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)',
];

const BATCH_ROWS = 5000;

/**
 * Writes a fresh Manifest.db at `path` (an existing file there is replaced).
 *
 * Rows are buffered and inserted in transactions of a few thousand, so 100k rows take a second or
 * two. The rollback journal lives in memory, so the finished file is one self-contained SQLite file
 * with no -wal/-journal beside it — it is uploaded or encrypted as a whole (§6.4, which also needs
 * its size to be a multiple of 16: SQLite pages are).
 */
export class ManifestDbWriter {
  private readonly db: Database.Database;
  private readonly insertFile: Database.Statement;
  private readonly insertProperty: Database.Statement;
  private readonly flush: (rows: readonly ManifestRow[]) => void;
  private pending: ManifestRow[] = [];
  private closed = false;

  constructor(readonly path: string) {
    removeDatabaseFiles(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = MEMORY');
    this.db.pragma('synchronous = OFF');
    for (const statement of SCHEMA) this.db.exec(statement);
    this.insertFile = this.db.prepare(
      'INSERT OR REPLACE INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertProperty = this.db.prepare('INSERT OR REPLACE INTO Properties (key, value) VALUES (?, ?)');
    this.flush = this.db.transaction((rows: readonly ManifestRow[]) => {
      for (const row of rows) {
        this.insertFile.run(row.fileId, row.domain, row.relativePath, row.flags, encodeMbFile(row.file));
      }
    });
  }

  /** Adds a row; a second row with the same fileID replaces the first. */
  add(row: ManifestRow): void {
    this.assertOpen();
    this.pending.push(row);
    if (this.pending.length >= BATCH_ROWS) this.flushPending();
  }

  /** The internal Properties table (readers ignore it; kept for schema fidelity). */
  setProperty(key: string, value: Buffer): void {
    this.assertOpen();
    this.insertProperty.run(key, value);
  }

  /** Writes what is buffered and closes the file; it is complete and self-contained afterwards. */
  finish(): void {
    this.assertOpen();
    this.flushPending();
    this.db.close();
    this.closed = true;
  }

  /** Gives up: closes and deletes the partial file (for error paths). */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    removeDatabaseFiles(this.path);
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.flush(rows);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`Manifest.db writer for ${this.path} is already closed.`);
  }
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

interface RawFileRow {
  readonly fileID: unknown;
  readonly domain: unknown;
  readonly relativePath: unknown;
  readonly flags: unknown;
  readonly file: unknown;
}

/**
 * Streams the rows of a (plaintext) Manifest.db, decoding each `file` blob.
 * Opens read-only and closes when the iteration ends or is abandoned.
 */
export function readManifestDb(path: string): IterableIterator<ManifestRow> {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupFormatError('malformed-manifest-db', `Cannot open Manifest.db at ${path}: ${(error as Error).message}`);
  }
  return iterateRows(db, path);
}

/** The same over the bytes of a Manifest.db held in memory (e.g. just decrypted, §6.4). */
export function readManifestDbFromBytes(bytes: Buffer): IterableIterator<ManifestRow> {
  let db: Database.Database;
  try {
    db = new Database(bytes);
  } catch (error) {
    throw new BackupFormatError('malformed-manifest-db', `These bytes are not an SQLite Manifest.db: ${(error as Error).message}`);
  }
  return iterateRows(db, 'The in-memory Manifest.db');
}

function* iterateRows(db: Database.Database, name: string): IterableIterator<ManifestRow> {
  let rows: IterableIterator<RawFileRow> | undefined;
  try {
    try {
      rows = db.prepare('SELECT fileID, domain, relativePath, flags, file FROM Files').iterate() as IterableIterator<RawFileRow>;
    } catch (error) {
      throw new BackupFormatError(
        'malformed-manifest-db',
        `${name} is not a readable Manifest.db (is it still encrypted?): ${(error as Error).message}`,
      );
    }
    for (const raw of rows) yield toManifestRow(raw);
  } finally {
    // An abandoned iteration leaves the statement running; end it before closing the connection.
    rows?.return?.();
    db.close();
  }
}

function toManifestRow(raw: RawFileRow): ManifestRow {
  const fileId = String(raw.fileID);
  if (!Buffer.isBuffer(raw.file)) {
    throw new BackupFormatError('malformed-manifest-db', `Manifest.db row ${fileId} has no file metadata blob.`);
  }
  let file: MbFileInfo;
  try {
    file = decodeMbFile(raw.file);
  } catch (error) {
    throw new BackupFormatError('malformed-manifest-db', `Manifest.db row ${fileId}: ${(error as Error).message}`);
  }
  const flags = flagsOf(Number(raw.flags), file.mode);
  if (flags === undefined) {
    throw new BackupFormatError(
      'malformed-manifest-db',
      `Manifest.db row ${fileId} is neither a file, a directory nor a symlink (flags ${String(raw.flags)}, mode ${file.mode}).`,
    );
  }
  return {
    fileId,
    domain: String(raw.domain ?? ''),
    relativePath: String(raw.relativePath ?? ''),
    flags,
    file,
  };
}

/**
 * The row's kind: the flags column when it holds 1/2/4, else the MBFile mode's type bits — some
 * tools (the pyiosbackup fixture's writer) leave the column 0.
 */
function flagsOf(column: number, mode: number): ManifestFlags | undefined {
  if (column === 1 || column === 2 || column === 4) return column;
  switch (mode & 0o170000) {
    case 0o100000:
      return MANIFEST_FLAG_FILE;
    case 0o040000:
      return MANIFEST_FLAG_DIRECTORY;
    case 0o120000:
      return MANIFEST_FLAG_SYMLINK;
    default:
      return undefined;
  }
}
