import { decodePlist, isPlistDict, plistInteger, PlistUid, type PlistValue, PLIST_BUDGETS } from '../device/codec';
import { BackupError } from '../backup/backup-error';

/**
 * What the browser shows and needs of one archived MBFile (protocol.md §5.6): size, mode, the
 * modification time for extracted files, a link target, and the wrapped key of an encrypted file.
 *
 * Archivers nest differently (pyiosbackup's data puts `EncryptionKey → {NS.data: UID}` one more
 * reference away), so every value is followed through UIDs a few hops.
 */
export interface MbFileRecord {
  readonly size: number;
  readonly mode: number;
  /** Unix seconds; undefined when the record has none. */
  readonly lastModified: number | undefined;
  readonly linkTarget: string | undefined;
  /** 4-byte LE protection class + 40-byte wrapped file key (§6.5). */
  readonly encryptionKey: Buffer | undefined;
}

const MAX_REFERENCE_HOPS = 4;

export function decodeMbFileRecord(blob: Buffer): MbFileRecord {
  let archive: PlistValue;
  try {
    archive = decodePlist(blob, PLIST_BUDGETS.archivedRecord);
  } catch (error) {
    throw new BackupError('corrupt', 'A file record in the backup\'s Manifest.db cannot be read; the backup is damaged.', { cause: error });
  }
  const objects = isPlistDict(archive) && Array.isArray(archive.$objects) ? (archive.$objects as readonly PlistValue[]) : undefined;
  const follow = (value: PlistValue | undefined): PlistValue | undefined => {
    let current = value;
    for (let hop = 0; hop < MAX_REFERENCE_HOPS && current instanceof PlistUid; hop += 1) current = objects?.[current.value];
    return current;
  };
  const top = isPlistDict(archive) && isPlistDict(archive.$top) ? archive.$top.root : undefined;
  const root = follow(top instanceof PlistUid ? top : new PlistUid(1));
  if (!objects || !isPlistDict(root)) {
    throw new BackupError('corrupt', 'A file record in the backup\'s Manifest.db is not an archived MBFile; the backup is damaged.');
  }
  const seconds = (value: PlistValue | undefined): number | undefined => {
    if (value instanceof Date) return Math.floor(value.getTime() / 1000);
    return plistInteger(value);
  };
  const text = follow(root.Target);
  const key = follow(root.EncryptionKey);
  const keyBytes = Buffer.isBuffer(key) ? key : isPlistDict(key) ? follow(key['NS.data']) : undefined;
  return {
    size: plistInteger(follow(root.Size)) ?? 0,
    mode: plistInteger(follow(root.Mode)) ?? 0,
    lastModified: seconds(follow(root.LastModified)),
    linkTarget: typeof text === 'string' && text !== '$null' ? text : undefined,
    encryptionKey: Buffer.isBuffer(keyBytes) ? keyBytes : undefined,
  };
}
