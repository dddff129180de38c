import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { openRegularFileSync } from './backup-content';
import { distrustSchema, openUntrustedSqlite } from './untrusted-sqlite';

/**
 * The one way Lifeboat opens a Manifest.db it reads (protocol.md §5.6), without writing anything
 * beside it and without holding it in memory. Backups we read may be read-only, someone else's, or
 * shared test fixtures, and SQLite opening a WAL-mode database (Apple leaves them in WAL mode)
 * creates `-shm`/`-wal` files beside it even read-only. A million-file phone's Manifest.db is
 * 1 GB, so it is not read into memory either (that cost the browser and the catalog 2 GB):
 *  - a rollback-journal database with no journal beside it is opened in place, read-only: SQLite
 *    then only reads it (and takes a shared lock);
 *  - anything else (WAL mode, a WAL with committed pages, a leftover journal) is copied into a
 *    private folder (0700), the WAL folded in or the header switched to rollback there, and the
 *    copy opened read-only and unlinked at once, so nothing is left behind even after a crash.
 * Windows cannot rename over a file another handle has open, which would make a backup's commit
 * fail while its browser is open, so there every database takes the private copy.
 * An encrypted Manifest.db (§6.4) is decrypted by the caller and opened with `openSqliteImage`.
 */

/** Every plaintext SQLite file starts with this (an encrypted Manifest.db does not, §6.4). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Bytes 18/19 of the SQLite header: file format write/read version, 1 = rollback journal, 2 = WAL. */
const WRITE_VERSION_OFFSET = 18;
const ROLLBACK = 1;
const WAL = 2;
const HEADER_BYTES = 100;
/** Copies go through one buffer this big, not the whole file. */
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

function isSqliteImage(bytes: Buffer): boolean {
  return bytes.length >= SQLITE_MAGIC.length && bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

/**
 * Opens SQLite bytes read-only in memory (a decrypted Manifest.db); a WAL-mode header is switched
 * to rollback so no WAL is looked for. The bytes come from a backup, so the schema is checked first
 * (untrusted-sqlite.ts): BackupError `corrupt` for a view, trigger, virtual table or computed column.
 */
export function openSqliteImage(bytes: Buffer, what = "The backup's Manifest.db"): Database.Database {
  let image = bytes;
  if (image.length > 20 && isWalHeader(image)) {
    image = Buffer.from(bytes);
    image[WRITE_VERSION_OFFSET] = ROLLBACK;
    image[WRITE_VERSION_OFFSET + 1] = ROLLBACK;
  }
  return openUntrustedSqlite(image, what);
}

/**
 * Opens the Manifest.db at `dbPath` read-only (see the top of this file); undefined when it is not
 * a plaintext SQLite file (encrypted, §6.4, or not a database at all). Throws the file system's
 * error when it cannot be read, BackupError `corrupt` for a refused schema.
 */
export function openPlaintextManifestDb(dbPath: string, what: string): Database.Database | undefined {
  // A FIFO or a device named Manifest.db would block or never end: only a regular file is opened.
  const fd = openRegularFileSync(dbPath);
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const headerBytes = fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    if (!isSqliteImage(header.subarray(0, headerBytes))) return undefined;
    if (!isWalHeader(header) && process.platform !== 'win32' && !exists(`${dbPath}-journal`)) return openInPlace(dbPath, fd, what);
    return openPrivateCopy(dbPath, fd, isWalHeader(header), what);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Opens the plaintext Manifest.db at `dbPath` read-only (see the top of this file).
 * Throws BackupError `corrupt` when it is missing, encrypted or not a database.
 */
export function openManifestDbReadOnly(dbPath: string): Database.Database {
  const what = `Manifest.db at ${dbPath}`;
  let db: Database.Database | undefined;
  try {
    db = openPlaintextManifestDb(dbPath, what);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('corrupt', `${what} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (db === undefined) {
    throw new BackupError('corrupt', `${what} is not a plaintext database (damaged, or encrypted and not decrypted first).`);
  }
  return db;
}

/** SQLite opens the path again: refuse if what it opened is not the file `fd` checked (swapped in between). */
function openInPlace(dbPath: string, fd: number, what: string): Database.Database {
  const db = openUntrustedSqlite(dbPath, what);
  const checked = fs.fstatSync(fd);
  const opened = fs.statSync(dbPath);
  if (checked.ino !== opened.ino || checked.dev !== opened.dev) {
    db.close();
    throw new BackupError('corrupt', `${what} was replaced while it was being opened; open the backup again.`);
  }
  return db;
}

/** The database (and a WAL with committed pages) copied into a private folder and opened there. */
function openPrivateCopy(dbPath: string, fd: number, walHeader: boolean, what: string): Database.Database {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-manifest-'));
  let db: Database.Database | undefined;
  try {
    fs.chmodSync(scratch, 0o700);
    const copy = path.join(scratch, 'Manifest.db');
    copyDescriptor(fd, copy);
    if (copyWal(`${dbPath}-wal`, `${copy}-wal`)) mergeWal(copy, what);
    else if (walHeader) switchToRollback(copy);
    db = openUntrustedSqlite(copy, what);
    return process.platform === 'win32' ? removedOnClose(db, scratch) : db;
  } finally {
    // An open SQLite connection keeps reading its unlinked file (POSIX); nothing is left behind.
    if (db === undefined || process.platform !== 'win32') fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Copies the WAL beside `dbPath` when it holds pages; false when there is none (or it is empty). */
function copyWal(walPath: string, destination: string): boolean {
  let fd: number;
  try {
    fd = openRegularFileSync(walPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    if (fs.fstatSync(fd).size === 0) return false;
    copyDescriptor(fd, destination);
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A WAL with committed pages must be folded in, which SQLite only does with write access: done on
 * the private copy. A checkpoint copies pages and runs no SQL of the file's, but trust nothing of it anyway.
 */
function mergeWal(copy: string, what: string): void {
  const db = new Database(copy);
  try {
    distrustSchema(db, what);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** A WAL-mode header with no WAL pages: rollback mode, so a read-only open looks for no WAL. */
function switchToRollback(copy: string): void {
  const fd = fs.openSync(copy, 'r+');
  try {
    fs.writeSync(fd, Buffer.from([ROLLBACK, ROLLBACK]), 0, 2, WRITE_VERSION_OFFSET);
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole of open file `fd` into a new private file, a chunk at a time. */
function copyDescriptor(fd: number, destination: string): void {
  const size = fs.fstatSync(fd).size;
  const out = fs.openSync(destination, 'wx', 0o600);
  try {
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(COPY_CHUNK_BYTES, size)));
    // Up to the size when opened: a file still growing does not make the copy endless.
    for (let offset = 0; offset < size; ) {
      const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (read === 0) break;
      fs.writeSync(out, buffer, 0, read);
      offset += read;
    }
  } finally {
    fs.closeSync(out);
  }
}

/** Windows: the private copy goes when the connection closes (an open file cannot be deleted there). */
function removedOnClose(db: Database.Database, scratch: string): Database.Database {
  const close = db.close.bind(db);
  db.close = () => {
    close();
    fs.rmSync(scratch, { recursive: true, force: true });
    return db;
  };
  return db;
}

function isWalHeader(header: Buffer): boolean {
  return header[WRITE_VERSION_OFFSET] === WAL || header[WRITE_VERSION_OFFSET + 1] === WAL;
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
