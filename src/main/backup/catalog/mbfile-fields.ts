import { decodePlist, isPlistDict, plistInteger, PlistUid, type PlistValue, PLIST_BUDGETS } from '../../device/codec';
import { BackupError } from '../backup-error';

/**
 * The few MBFile fields the catalog needs (protocol.md §5.6), read from the NSKeyedArchiver blob.
 * Archivers differ in how deep they nest: pyiosbackup's data has `EncryptionKey → {NS.data: UID}`
 * with the bytes one more reference away, so every value is followed through UIDs.
 */

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

export interface MbFileFields {
  readonly size: number;
  readonly mode: number;
  readonly encryptionKey?: Buffer;
}

const MAX_REFERENCE_HOPS = 4;

export function decodeMbFileFields(blob: Buffer): MbFileFields {
  let archive: PlistValue;
  try {
    archive = decodePlist(blob, PLIST_BUDGETS.archivedRecord);
  } catch (error) {
    throw new BackupError('corrupt', 'A Manifest.db row holds an unreadable file record.', { cause: error });
  }
  const objects = isPlistDict(archive) && Array.isArray(archive.$objects) ? (archive.$objects as readonly PlistValue[]) : undefined;
  const top = isPlistDict(archive) && isPlistDict(archive.$top) ? archive.$top.root : undefined;
  const resolve = (value: PlistValue | undefined): PlistValue | undefined => {
    let current = value;
    for (let hop = 0; hop < MAX_REFERENCE_HOPS && current instanceof PlistUid; hop += 1) current = objects?.[current.value];
    return current;
  };
  const root = resolve(top instanceof PlistUid ? top : new PlistUid(1));
  if (!objects || !isPlistDict(root)) throw new BackupError('corrupt', 'A Manifest.db row holds a file record that is not an archived MBFile.');
  const key = resolve(root.EncryptionKey);
  const keyBytes = Buffer.isBuffer(key) ? key : isPlistDict(key) ? resolve(key['NS.data']) : undefined;
  return {
    size: plistInteger(resolve(root.Size)) ?? 0,
    mode: plistInteger(resolve(root.Mode)) ?? 0,
    ...(Buffer.isBuffer(keyBytes) ? { encryptionKey: keyBytes } : {}),
  };
}

/**
 * Manifest.db `flags` 1/2/4 (§5.6) say what a row is; some writers leave flags 0, so fall back to
 * the POSIX type bits of `Mode` (0x8000 file, 0x4000 directory, 0xA000 link).
 */
export function entryKindOf(flags: number, mode: number): EntryKind {
  if (flags === 1) return 'file';
  if (flags === 2) return 'directory';
  if (flags === 4) return 'symlink';
  switch (mode & 0xf000) {
    case 0x8000: return 'file';
    case 0x4000: return 'directory';
    case 0xa000: return 'symlink';
    default: return 'other';
  }
}
