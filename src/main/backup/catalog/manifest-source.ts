import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { decryptManifestDb, isPlaintextSqlite, type BackupKeys } from '../crypto';
import { decodeMbFileFields, entryKindOf, type EntryKind } from './mbfile-fields';

/**
 * Reads a backup's Manifest.db (protocol.md §5.6) without ever writing next to it: backups we
 * catalogue may be read-only, someone else's, or test fixtures. Opening the file in place would
 * let SQLite create `-shm`/`-wal` files beside a WAL-mode database (iTunes leaves them in WAL
 * mode), so the bytes are loaded into memory and opened from there. A decrypted Manifest.db
 * (§6.4) likewise lives only in memory.
 */

/** What the catalog needs of one `Files` row. */
export interface CatalogRow {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: number;
  readonly kind: EntryKind;
  /** Plaintext size from the MBFile (0 for directories and links). */
  readonly size: number;
  /** Present on regular files of encrypted backups (§6.5). */
  readonly encryptionKey?: Buffer;
}

export type ManifestOpenResult =
  | { readonly kind: 'open'; readonly db: Database.Database }
  | { readonly kind: 'encrypted' };

/** Byte 18/19 of the SQLite header: 1 = rollback journal, 2 = WAL. */
const WRITE_VERSION_OFFSET = 18;

/** Opens SQLite bytes in memory; a WAL-mode header is switched to rollback so no WAL is needed. */
function openInMemory(bytes: Buffer): Database.Database {
  let image = bytes;
  if (image.length > 20 && (image[WRITE_VERSION_OFFSET] === 2 || image[WRITE_VERSION_OFFSET + 1] === 2)) {
    image = Buffer.from(bytes);
    image[WRITE_VERSION_OFFSET] = 1;
    image[WRITE_VERSION_OFFSET + 1] = 1;
  }
  return new Database(image, { readonly: true });
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

function readManifestBytes(dbPath: string): Buffer {
  const walPath = `${dbPath}-wal`;
  let walSize = 0;
  try {
    walSize = fs.statSync(walPath).size;
  } catch {
    // No WAL: the common case.
  }
  const bytes = fs.readFileSync(dbPath);
  return walSize > 0 && isPlaintextSqlite(bytes) ? mergeWal(dbPath, walPath) : bytes;
}

/**
 * Opens `<folder>/Manifest.db` read-only. Without `keys`, an encrypted one answers `encrypted`
 * (the caller says its counts are unknown); with keys it is decrypted in memory.
 * Throws BackupError `corrupt` for a file that is not a readable database.
 */
export function openManifestDb(folder: string, keys?: BackupKeys): ManifestOpenResult {
  const dbPath = path.join(folder, 'Manifest.db');
  let bytes = readManifestBytes(dbPath);
  if (!isPlaintextSqlite(bytes)) {
    if (!keys) return { kind: 'encrypted' };
    bytes = decryptManifestDb(bytes, keys);
  }
  let db: Database.Database;
  try {
    db = openInMemory(bytes);
    db.prepare('SELECT count(*) FROM Files').get();
  } catch (error) {
    throw new BackupError('corrupt', `The backup's Manifest.db cannot be read as a file list (${(error as Error).message}).`, { cause: error });
  }
  return { kind: 'open', db };
}

/**
 * Every row, with the MBFile fields the catalog uses; an unreadable MBFile throws BackupError
 * `corrupt`. Decoding the archived MBFile is most of the cost (about 0.1 ms a row), so with
 * `sizes: false` it is skipped whenever the `flags` column already says what the row is: `size`
 * is then 0 and `encryptionKey` absent.
 */
export function* catalogRows(db: Database.Database, options: { readonly sizes?: boolean } = {}): Generator<CatalogRow> {
  const wantSizes = options.sizes !== false;
  const statement = db.prepare('SELECT fileID, domain, relativePath, flags, file FROM Files');
  for (const raw of statement.iterate() as IterableIterator<Record<string, unknown>>) {
    const flags = Number(raw.flags ?? 0);
    const flagsTell = flags === 1 || flags === 2 || flags === 4;
    const decode = (wantSizes || !flagsTell) && Buffer.isBuffer(raw.file) && raw.file.length > 0;
    const fields = decode ? decodeMbFileFields(raw.file as Buffer) : undefined;
    const kind = entryKindOf(flags, fields?.mode ?? 0);
    yield {
      fileId: String(raw.fileID ?? ''),
      domain: String(raw.domain ?? ''),
      relativePath: String(raw.relativePath ?? ''),
      flags,
      kind,
      size: kind === 'file' ? (fields?.size ?? 0) : 0,
      ...(kind === 'file' && fields?.encryptionKey ? { encryptionKey: fields.encryptionKey } : {}),
    };
  }
}
