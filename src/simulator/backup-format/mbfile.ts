import {
  type PlistDict,
  type PlistValue,
  PlistUid,
  PlistReal,
  PlistShapeError,
  decodePlist,
  isPlistDict,
} from '../../main/device/codec';
import { decodeCompactBinaryPlist } from './compact-bplist-reader';
import { encodeCompactBinaryPlist } from './compact-bplist-writer';
import { BackupFormatError } from './errors';
import type { MbFileInfo } from './mbfile-info';
import { createPlainMbFileEncoder } from './mbfile-template';

// Where the simulator's callers have always found it; defined apart so mbfile-template need not import this file.
export type { MbFileInfo } from './mbfile-info';

const MBFILE_CLASS: PlistDict = { $classname: 'MBFile', $classes: ['MBFile', 'NSObject'] };
const MUTABLE_DATA_CLASS: PlistDict = {
  $classname: 'NSMutableData',
  $classes: ['NSMutableData', 'NSData', 'NSObject'],
};
const ARCHIVER_VERSION = 100000;
const encodePlainMbFile = createPlainMbFileEncoder(archiveMbFile);

/**
 * Archives an MBFile the way the device does: "$null" first, then the MBFile dict, then the objects
 * it points to in key order, class dicts after their users (the layout of real iOS 14 rows).
 */
export function encodeMbFile(info: MbFileInfo): Buffer {
  return encodePlainMbFile(info) ?? archiveMbFile(info);
}

/** The general archiver, for every shape of row; `encodeMbFile` takes a faster path for plain ones. */
export function archiveMbFile(info: MbFileInfo): Buffer {
  const objects: PlistValue[] = ['$null'];
  const push = (value: PlistValue): PlistUid => new PlistUid(objects.push(value) - 1);
  objects.push({}); // the MBFile dict, filled in below once its references are known

  const relativePath = push(info.relativePath);
  const target = info.linkTarget !== undefined ? push(info.linkTarget) : undefined;
  let encryptionKey: PlistUid | undefined;
  if (info.encryptionKey !== undefined) {
    const slot = objects.push({}) - 1;
    objects[slot] = { 'NS.data': info.encryptionKey, $class: push(MUTABLE_DATA_CLASS) };
    encryptionKey = new PlistUid(slot);
  }
  const digest = info.digest !== undefined ? push(info.digest) : undefined;
  const extendedAttributes = info.extendedAttributes !== undefined ? push(info.extendedAttributes) : undefined;
  const mbFileClass = push(MBFILE_CLASS);

  const file: Record<string, PlistValue> = {
    LastModified: int(info.mtime),
    Flags: int(info.flags ?? 0),
    GroupID: int(info.gid),
    LastStatusChange: int(info.ctime),
    RelativePath: relativePath,
    Birth: int(info.birth),
    Size: int(info.size),
    InodeNumber: int(info.inode),
    Mode: int(info.mode),
    UserID: int(info.uid),
    ProtectionClass: int(info.protectionClass),
  };
  if (target) file.Target = target;
  if (encryptionKey) file.EncryptionKey = encryptionKey;
  if (digest) file.Digest = digest;
  if (extendedAttributes) file.ExtendedAttributes = extendedAttributes;
  file.$class = mbFileClass;
  objects[1] = file;

  return encodeCompactBinaryPlist({
    $version: ARCHIVER_VERSION,
    $archiver: 'NSKeyedArchiver',
    $top: { root: new PlistUid(1) },
    $objects: objects,
  });
}

function int(value: number): number {
  if (!Number.isInteger(value)) throw new RangeError(`MBFile fields are integers; got ${value}.`);
  return value;
}

/**
 * Reads an MBFile archive. Lenient where real archives vary (UIDs or inline values, NSData or
 * NSMutableData wrappers, dates instead of Unix ints as older iOS wrote, bigints), strict about
 * what makes the row meaningless (not a keyed archive, no MBFile root).
 */
export function decodeMbFile(bytes: Buffer): MbFileInfo {
  let archive: PlistValue;
  try {
    archive = decodeArchive(bytes);
  } catch (error) {
    const reason = error instanceof PlistShapeError ? error.message : String(error);
    throw new BackupFormatError('malformed-mbfile', `A Manifest.db file entry is not a readable property list (${reason}).`);
  }
  if (!isPlistDict(archive) || !Array.isArray(archive.$objects)) {
    throw new BackupFormatError('malformed-mbfile', 'A Manifest.db file entry is not an NSKeyedArchiver archive (no $objects).');
  }
  const objects = archive.$objects as readonly PlistValue[];
  const top = isPlistDict(archive.$top) ? archive.$top : undefined;
  const rootRef = top?.root instanceof PlistUid ? top.root.value : 1;
  const file = objects[rootRef];
  if (!isPlistDict(file)) {
    throw new BackupFormatError('malformed-mbfile', 'A Manifest.db file entry has no MBFile object at its archive root.');
  }

  const resolve = (value: PlistValue | undefined): PlistValue | undefined => {
    if (!(value instanceof PlistUid)) return value;
    if (value.value === 0) return undefined; // UID 0 is "$null"
    return objects[value.value];
  };
  const text = (key: string): string | undefined => {
    const value = resolve(file[key]);
    return typeof value === 'string' ? value : undefined;
  };
  const data = (key: string): Buffer | undefined => {
    const value = resolve(file[key]);
    if (Buffer.isBuffer(value)) return value;
    if (isPlistDict(value)) {
      const inner = resolve(value['NS.data']);
      if (Buffer.isBuffer(inner)) return inner;
    }
    return undefined;
  };
  const num = (key: string): number => toNumber(resolve(file[key]));

  const relativePath = text('RelativePath');
  if (relativePath === undefined) {
    throw new BackupFormatError('malformed-mbfile', 'A Manifest.db file entry has no RelativePath.');
  }
  const info: {
    -readonly [K in keyof MbFileInfo]: MbFileInfo[K];
  } = {
    relativePath,
    mode: num('Mode'),
    inode: num('InodeNumber'),
    uid: num('UserID'),
    gid: num('GroupID'),
    mtime: num('LastModified'),
    ctime: num('LastStatusChange'),
    birth: num('Birth'),
    size: num('Size'),
    protectionClass: num('ProtectionClass'),
  };
  const linkTarget = text('Target');
  if (linkTarget !== undefined) info.linkTarget = linkTarget;
  const encryptionKey = data('EncryptionKey');
  if (encryptionKey !== undefined) info.encryptionKey = encryptionKey;
  const digest = data('Digest');
  if (digest !== undefined) info.digest = digest;
  const extendedAttributes = data('ExtendedAttributes');
  if (extendedAttributes !== undefined) info.extendedAttributes = extendedAttributes;
  if (file.Flags !== undefined) info.flags = num('Flags');
  return info;
}

/** The fast reader first; the codec's decoder for anything it does not take (XML, odd encodings). */
function decodeArchive(bytes: Buffer): PlistValue {
  try {
    return decodeCompactBinaryPlist(bytes);
  } catch {
    return decodePlist(bytes);
  }
}

function toNumber(value: PlistValue | undefined): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'bigint') return Number(BigInt.asIntN(64, value));
  if (value instanceof PlistReal) return Math.trunc(value.value);
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  return 0;
}
