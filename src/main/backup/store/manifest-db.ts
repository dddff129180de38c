import Database from 'better-sqlite3';
import fs from 'node:fs';
import { BinaryPlistLookup, type PlistValue, PlistUid, decodePlist, isPlistDict, plistInteger, PLIST_BUDGETS } from '../../device/codec';
import { BackupError } from '../backup-error';
import { openManifestDbReadOnly } from './manifest-db-open';
import { assertPlainManifestSchema, distrustSchema, iterateUntrusted } from './untrusted-sqlite';

/** Manifest.db `flags` (protocol.md §5.6): 1 regular file, 2 directory, 4 symbolic link. */
const MANIFEST_FLAG = { file: 1, directory: 2, symlink: 4 } as const;

/** One row of the `Files` table (§5.6); `file` is the NSKeyedArchiver blob, decode it with decodeMbFile. */
export interface ManifestRow {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: number;
  readonly file: Buffer;
}

/**
 * The fields of an archived MBFile (§5.6) a host needs: the one decoder of Manifest.db file
 * records, used by the catalog (sizes, encryption), the browser (listing, extraction) and the tests.
 */
interface MbFile {
  readonly relativePath: string | undefined;
  readonly target: string | undefined;
  readonly digest: Buffer | undefined;
  /** 4-byte LE protection class + 40-byte wrapped key (encrypted backups, regular files). */
  readonly encryptionKey: Buffer | undefined;
  readonly extendedAttributes: Buffer | undefined;
  readonly mode: number;
  readonly inode: number;
  readonly userId: number;
  readonly groupId: number;
  /** Unix seconds; undefined when the record has none (the browser then sets no date on an extracted file). */
  readonly lastModified: number | undefined;
  readonly lastStatusChange: number;
  readonly birth: number;
  readonly size: number;
  readonly protectionClass: number;
  /** The archive's own `Flags` field (not the row's `flags` column). */
  readonly flags: number;
  /** What the entry is: the row's `flags` column when it says, else the POSIX type bits of `Mode` (§5.6). */
  readonly kind: ManifestEntryKind;
}

export type ManifestEntryKind = 'file' | 'directory' | 'symlink' | 'other';

/**
 * Manifest.db `flags` 1/2/4 say what a row is (§5.6); some writers leave it 0, so fall back to
 * the type bits of `Mode` (0x8000 regular file, 0x4000 directory, 0xA000 symbolic link).
 */
export function manifestEntryKind(rowFlags: number, mode: number): ManifestEntryKind {
  if (rowFlags === MANIFEST_FLAG.file) return 'file';
  if (rowFlags === MANIFEST_FLAG.directory) return 'directory';
  if (rowFlags === MANIFEST_FLAG.symlink) return 'symlink';
  switch (mode & 0xf000) {
    case 0x8000:
      return 'file';
    case 0x4000:
      return 'directory';
    case 0xa000:
      return 'symlink';
    default:
      return 'other';
  }
}

/**
 * Streams the rows of a plaintext Manifest.db. It is opened read-only in a way that writes nothing
 * beside it (manifest-db-open.ts), so reading someone's backup leaves it as it was. Throws BackupError
 * `corrupt` when the file is not a Manifest.db.
 */
export function* readManifestRows(path: string): Generator<ManifestRow, void, undefined> {
  const db = openManifestDbReadOnly(path);
  try {
    let statement: Database.Statement;
    try {
      statement = db.prepare('SELECT fileID, domain, relativePath, flags, file FROM Files');
    } catch (error) {
      throw new BackupError('corrupt', `${path} is not a backup Manifest.db (no Files table): ${(error as Error).message}`, { cause: error });
    }
    const files = statement;
    for (const raw of iterateUntrusted(`Manifest.db at ${path}`, () => files.iterate() as IterableIterator<Record<string, unknown>>)) {
      yield {
        fileId: String(raw.fileID ?? ''),
        domain: String(raw.domain ?? ''),
        relativePath: String(raw.relativePath ?? ''),
        flags: Number(raw.flags ?? 0),
        file: Buffer.isBuffer(raw.file) ? raw.file : Buffer.alloc(0),
      };
    }
  } finally {
    db.close();
  }
}

/** How many UID references a value may sit behind (archivers differ; pyiosbackup nests `NS.data` one more level). */
const MAX_REFERENCE_HOPS = 4;

/**
 * Decodes the NSKeyedArchiver MBFile blob of a row (§5.6). Pass the row's `flags` column so
 * `kind` can use it; with 0 (some writers) `kind` comes from `Mode`.
 */
export function decodeMbFile(blob: Buffer, rowFlags = 0): MbFile {
  let archive: PlistValue;
  try {
    archive = decodePlist(blob, PLIST_BUDGETS.archivedRecord);
  } catch (error) {
    throw new BackupError('corrupt', `A row of the backup's Manifest.db holds an unreadable file record, so the backup is damaged (${(error as Error).message}).`, { cause: error });
  }
  const objects = isPlistDict(archive) && Array.isArray(archive.$objects) ? (archive.$objects as readonly PlistValue[]) : undefined;
  const top = isPlistDict(archive) && isPlistDict(archive.$top) ? archive.$top.root : undefined;
  const deref = (value: PlistValue | undefined): PlistValue | undefined => {
    let current = value;
    for (let hop = 0; hop < MAX_REFERENCE_HOPS && current instanceof PlistUid; hop += 1) current = objects?.[current.value];
    return current;
  };
  const root = deref(top instanceof PlistUid ? top : new PlistUid(1));
  if (!objects || !isPlistDict(root)) throw new BackupError('corrupt', "A row of the backup's Manifest.db holds a file record that is not an archived MBFile, so the backup is damaged.");
  const text = (key: string): string | undefined => {
    const value = deref(root[key]);
    return typeof value === 'string' && value !== '$null' ? value : undefined;
  };
  const data = (key: string): Buffer | undefined => {
    const value = deref(root[key]);
    if (Buffer.isBuffer(value)) return value;
    // NSData / NSMutableData archived as {NS.data: bytes}, or {NS.data: UID → bytes} (pyiosbackup).
    const inner = isPlistDict(value) ? deref(value['NS.data']) : undefined;
    return Buffer.isBuffer(inner) ? inner : undefined;
  };
  const optionalNumber = (key: string): number | undefined => {
    const value = deref(root[key]);
    if (value instanceof Date) return Math.floor(value.getTime() / 1000);
    return plistInteger(value);
  };
  const number = (key: string): number => optionalNumber(key) ?? 0;
  const mode = number('Mode');
  return {
    relativePath: text('RelativePath'),
    target: text('Target'),
    digest: data('Digest'),
    encryptionKey: data('EncryptionKey'),
    extendedAttributes: data('ExtendedAttributes'),
    mode,
    inode: number('InodeNumber'),
    userId: number('UserID'),
    groupId: number('GroupID'),
    lastModified: optionalNumber('LastModified'),
    lastStatusChange: number('LastStatusChange'),
    birth: number('Birth'),
    size: number('Size'),
    protectionClass: number('ProtectionClass'),
    flags: number('Flags'),
    kind: manifestEntryKind(rowFlags, mode),
  };
}

/**
 * What a restore needs of a row (§5.6): what it is and, for a file, its size. The size is read out
 * of the archived record without decoding the rest of it (BinaryPlistLookup): decoding all 49,509
 * records of a many-small backup whole was ~0.9 s of the restore's CPU, on the two cores the phone
 * needs too. A record of any other shape than the usual one (`$top.root` a UID of a dict in
 * `$objects`, `Size` and `Mode` there as ASCII keys with plain integers) is decoded whole by
 * decodeMbFile, so both give the same answer, and a damaged record still throws its BackupError.
 */
export function mbFileKindAndSize(blob: Buffer, rowFlags = 0): { readonly kind: ManifestEntryKind; readonly size: number } {
  const quick = quickKindAndSize(blob, rowFlags);
  if (quick !== undefined) return quick;
  const { kind, size } = decodeMbFile(blob, rowFlags);
  return { kind, size };
}

function quickKindAndSize(blob: Buffer, rowFlags: number): { kind: ManifestEntryKind; size: number } | undefined {
  const plist = BinaryPlistLookup.open(blob);
  if (plist === undefined || !plist.isDict(plist.top)) return undefined;
  const objects = plist.dictValue(plist.top, '$objects');
  const top = plist.dictValue(plist.top, '$top');
  const rootRef = top === undefined ? undefined : plist.dictValue(top, 'root');
  const rootUid = rootRef === undefined ? undefined : plist.uid(rootRef);
  const root = objects === undefined || rootUid === undefined ? undefined : plist.arrayItem(objects, rootUid);
  if (root === undefined || !plist.isDict(root)) return undefined;
  // Only a key found, once, as an ASCII string with a plain integer value is read here. A key not
  // found is not taken as 0: it may be stored in a way this reader does not know (a UTF-16 key),
  // and the size caps what restore sends (maxBytesOf), so decodeMbFile reads such a record whole.
  const numberAt = (key: string): number | undefined => {
    const ref = plist.dictValue(root, key);
    return ref === undefined ? undefined : plist.integer(ref);
  };
  const size = numberAt('Size');
  const mode = rowFlags === MANIFEST_FLAG.file || rowFlags === MANIFEST_FLAG.directory || rowFlags === MANIFEST_FLAG.symlink ? 0 : numberAt('Mode');
  if (size === undefined || mode === undefined) return undefined;
  return { kind: manifestEntryKind(rowFlags, mode), size };
}

interface FilterResult {
  readonly kept: number;
  readonly removed: number;
}

/**
 * Writes a copy of the plaintext Manifest.db `source` to `destination` holding only the rows
 * `keep` accepts, schema and Properties unchanged, vacuumed so removed rows leave no trace in the
 * file. `destination` is replaced.
 */
export function filterManifestDb(source: string, destination: string, keep: (row: ManifestRow) => boolean): FilterResult {
  const doomed: string[] = [];
  let kept = 0;
  for (const row of readManifestRows(source)) {
    if (keep(row)) kept += 1;
    else doomed.push(row.fileId);
  }
  fs.rmSync(destination, { force: true });
  // VACUUM INTO from the read-only opener (WAL pages already folded in), which writes nothing beside the source.
  const reader = openManifestDbReadOnly(source);
  try {
    reader.prepare('VACUUM INTO ?').run(destination);
  } finally {
    reader.close();
  }
  const db = new Database(destination);
  try {
    // The phone's own database is about to take a DELETE: a trigger of its would run now. The read
    // above already refused one; check the copy we write to as well, right before the statement.
    distrustSchema(db, 'The Manifest.db the iPhone sent');
    assertPlainManifestSchema(db, 'The Manifest.db the iPhone sent');
    db.pragma('journal_mode = MEMORY');
    const remove = db.prepare('DELETE FROM Files WHERE fileID = ?');
    db.transaction((ids: readonly string[]) => {
      for (const id of ids) remove.run(id);
    })(doomed);
    db.exec('VACUUM');
  } finally {
    db.close();
  }
  return { kept, removed: doomed.length };
}
