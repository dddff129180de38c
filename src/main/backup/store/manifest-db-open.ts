import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { readRegularFileSync } from './backup-content';
import { distrustSchema, openUntrustedSqlite } from './untrusted-sqlite';

/**
 * The one way Lifeboat opens a Manifest.db it reads (protocol.md §5.6): never in place. Backups
 * we read may be read-only, someone else's, or shared test fixtures, and SQLite opening a
 * WAL-mode database (Apple leaves them in WAL mode) creates `-shm`/`-wal` files beside it even
 * read-only. So the bytes are loaded into memory, a WAL header is switched to rollback, and a WAL
 * with committed pages is merged on a private copy first. An encrypted Manifest.db (§6.4) is
 * decrypted by the caller and opened with `openSqliteImage`, so it too lives only in memory.
 */

/** Every plaintext SQLite file starts with this (an encrypted Manifest.db does not, §6.4). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Bytes 18/19 of the SQLite header: file format write/read version, 1 = rollback journal, 2 = WAL. */
const WRITE_VERSION_OFFSET = 18;

export function isSqliteImage(bytes: Buffer): boolean {
  return bytes.length >= SQLITE_MAGIC.length && bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

/**
 * Opens SQLite bytes read-only in memory; a WAL-mode header is switched to rollback so no WAL is
 * looked for. The bytes come from a backup, so the schema is checked first (untrusted-sqlite.ts):
 * BackupError `corrupt` for a view, trigger, virtual table or computed column.
 */
export function openSqliteImage(bytes: Buffer, what = "The backup's Manifest.db"): Database.Database {
  let image = bytes;
  if (image.length > 20 && (image[WRITE_VERSION_OFFSET] === 2 || image[WRITE_VERSION_OFFSET + 1] === 2)) {
    image = Buffer.from(bytes);
    image[WRITE_VERSION_OFFSET] = 1;
    image[WRITE_VERSION_OFFSET + 1] = 1;
  }
  return openUntrustedSqlite(image, what);
}

/**
 * A WAL with committed pages must be folded in, which SQLite only does with write access: do it
 * on a private copy (mode 0700 folder) and take the merged bytes.
 */
function mergeWal(dbPath: string, walPath: string): Buffer {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-manifest-'));
  try {
    fs.chmodSync(scratch, 0o700);
    const copy = path.join(scratch, 'Manifest.db');
    fs.copyFileSync(dbPath, copy);
    fs.copyFileSync(walPath, `${copy}-wal`);
    const db = new Database(copy);
    try {
      // A checkpoint copies pages and runs no SQL of the file's, but trust nothing of it anyway.
      distrustSchema(db, `Manifest.db at ${dbPath}`);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
    return fs.readFileSync(copy);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The bytes of the database at `dbPath` with any committed WAL pages folded in, read without
 * writing anything beside it. Encrypted bytes come back as they are (check with isSqliteImage).
 */
export function readManifestDbBytes(dbPath: string): Buffer {
  const walPath = `${dbPath}-wal`;
  let walSize = 0;
  try {
    walSize = fs.statSync(walPath).size;
  } catch {
    // No WAL: the common case.
  }
  // A FIFO or a device named Manifest.db would block or never end a plain read.
  const bytes = readRegularFileSync(dbPath);
  return walSize > 0 && isSqliteImage(bytes) ? mergeWal(dbPath, walPath) : bytes;
}

/**
 * Opens the plaintext Manifest.db at `dbPath` read-only in memory (see the top of this file).
 * Throws BackupError `corrupt` when it is missing, encrypted or not a database.
 */
export function openManifestDbReadOnly(dbPath: string): Database.Database {
  let bytes: Buffer;
  try {
    bytes = readManifestDbBytes(dbPath);
  } catch (error) {
    throw new BackupError('corrupt', `Manifest.db at ${dbPath} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!isSqliteImage(bytes)) {
    throw new BackupError('corrupt', `Manifest.db at ${dbPath} is not a plaintext database (damaged, or encrypted and not decrypted first).`);
  }
  try {
    return openSqliteImage(bytes, `Manifest.db at ${dbPath}`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('corrupt', `Manifest.db at ${dbPath} cannot be opened: ${(error as Error).message}`, { cause: error });
  }
}
