import Database from 'better-sqlite3';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { decryptManifestDb, type BackupKeys } from '../crypto';
import { iterateUntrusted, openPlaintextManifestDb, openSqliteImage, readRegularFileSync } from '../store';
import { decodeMbFile, manifestEntryKind, type ManifestEntryKind } from '../store';

/**
 * Reads a backup's Manifest.db (protocol.md §5.6) without ever writing next to it, through the
 * store's opener (store/manifest-db-open.ts). A decrypted Manifest.db (§6.4) lives only in memory.
 */

/** What the catalog needs of one `Files` row. */
export interface CatalogRow {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: number;
  readonly kind: ManifestEntryKind;
  /** Plaintext size from the MBFile (0 for directories and links). */
  readonly size: number;
  /** Present on regular files of encrypted backups (§6.5). */
  readonly encryptionKey?: Buffer;
}

/** How sentences name the file (the folder is named by the caller: the catalog entry, the CLI argument). */
export const MANIFEST_DB = "The backup's Manifest.db";

export type ManifestOpenResult =
  | { readonly kind: 'open'; readonly db: Database.Database }
  | { readonly kind: 'encrypted' };

/**
 * Opens `<folder>/Manifest.db` read-only. Without `keys`, an encrypted one answers `encrypted`
 * (the caller says its counts are unknown); with keys it is decrypted in memory.
 * Throws BackupError `corrupt` for a file that is not a readable database.
 */
export function openManifestDb(folder: string, keys?: BackupKeys): ManifestOpenResult {
  const dbPath = path.join(folder, 'Manifest.db');
  let db: Database.Database | undefined;
  try {
    // A plaintext one is opened where it lies (or from a private copy), never read into memory: a million-file phone's is 1 GB.
    db = openPlaintextManifestDb(dbPath, MANIFEST_DB);
    if (db === undefined) {
      if (!keys) return { kind: 'encrypted' };
      db = openSqliteImage(decryptManifestDb(readRegularFileSync(dbPath), keys));
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('corrupt', `The backup's Manifest.db cannot be read (${(error as Error).message}).`, { cause: error });
  }
  try {
    db.prepare('SELECT count(*) FROM Files').get();
  } catch (error) {
    db.close();
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
  const rows = iterateUntrusted(MANIFEST_DB, () => db.prepare('SELECT fileID, domain, relativePath, flags, file FROM Files').iterate() as IterableIterator<Record<string, unknown>>);
  for (const raw of rows) {
    const flags = Number(raw.flags ?? 0);
    const flagsTell = flags === 1 || flags === 2 || flags === 4;
    const decode = (wantSizes || !flagsTell) && Buffer.isBuffer(raw.file) && raw.file.length > 0;
    const fields = decode ? decodeMbFile(raw.file as Buffer, flags) : undefined;
    const kind = fields?.kind ?? manifestEntryKind(flags, 0);
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
