import { ServiceError } from './service-error';

/**
 * The key/value payloads of GetFileInfo and GetDeviceInfo (protocol.md §4.4), typed.
 */

type AfcFileType = 'file' | 'directory' | 'symlink' | 'block-device' | 'char-device' | 'fifo' | 'socket' | 'unknown';

const FILE_TYPES: Readonly<Record<string, AfcFileType>> = {
  S_IFREG: 'file',
  S_IFDIR: 'directory',
  S_IFLNK: 'symlink',
  S_IFBLK: 'block-device',
  S_IFCHR: 'char-device',
  S_IFIFO: 'fifo',
  S_IFSOCK: 'socket',
};

export interface AfcFileInfo {
  readonly size: number;
  /** 512-byte blocks. */
  readonly blocks: number;
  readonly linkCount: number;
  readonly type: AfcFileType;
  readonly modified: Date | undefined;
  /** iOS 7+ only. */
  readonly created: Date | undefined;
  /** Only for symlinks. */
  readonly linkTarget: string | undefined;
  /** Every pair as sent, for keys not modelled here. */
  readonly raw: Readonly<Record<string, string>>;
}

export interface AfcDeviceInfo {
  readonly model: string | undefined;
  readonly totalBytes: number | undefined;
  readonly freeBytes: number | undefined;
  readonly blockSize: number | undefined;
  readonly raw: Readonly<Record<string, string>>;
}

export function toFileInfo(pairs: Readonly<Record<string, string>>, path: string): AfcFileInfo {
  const size = decimal(pairs.st_size);
  if (size === undefined) {
    throw new ServiceError('protocol', `The device described ${path} without a size.`);
  }
  return {
    size,
    blocks: decimal(pairs.st_blocks) ?? 0,
    linkCount: decimal(pairs.st_nlink) ?? 1,
    type: FILE_TYPES[pairs.st_ifmt ?? ''] ?? 'unknown',
    modified: nanosecondsToDate(pairs.st_mtime),
    created: nanosecondsToDate(pairs.st_birthtime),
    linkTarget: pairs.LinkTarget,
    raw: pairs,
  };
}

export function toDeviceInfo(pairs: Readonly<Record<string, string>>): AfcDeviceInfo {
  return {
    model: pairs.Model,
    totalBytes: decimal(pairs.FSTotalBytes),
    freeBytes: decimal(pairs.FSFreeBytes),
    blockSize: decimal(pairs.FSBlockSize),
    raw: pairs,
  };
}

/** Dates come as nanoseconds since the Unix epoch, too big for a double to hold exactly (§4.4). */
export function nanosecondsToDate(text: string | undefined): Date | undefined {
  if (text === undefined || !/^\d{1,25}$/.test(text)) return undefined;
  const date = new Date(Number(BigInt(text) / 1_000_000n));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function dateToNanoseconds(date: Date): bigint {
  const ms = date.getTime();
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ServiceError('invalid-argument', `AFC cannot set a modification time before 1970 (${String(date)}).`);
  }
  return BigInt(ms) * 1_000_000n;
}

function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
