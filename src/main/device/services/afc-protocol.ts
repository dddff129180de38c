import type { ByteReader } from '../codec';
import { ServiceError, toServiceError } from './service-error';

/**
 * AFC packets (protocol.md §4.1–4.3): a 40-byte little-endian header, header-data, payload.
 */

export const AFC_MAGIC = Buffer.from('CFA6LPAA', 'latin1');
export const AFC_HEADER_BYTES = 40;
/**
 * The largest reply we accept. Directory listings of big folders and reads of a few MiB are the
 * largest honest replies; a bigger claimed length is refused before anything is allocated.
 */
export const MAX_AFC_REPLY_BYTES = 32 * 1024 * 1024;

/** Opcodes (§4.2). */
export const AfcOperation = {
  STATUS: 0x01,
  DATA: 0x02,
  READ_DIRECTORY: 0x03,
  TRUNCATE: 0x07,
  REMOVE_PATH: 0x08,
  MAKE_DIRECTORY: 0x09,
  GET_FILE_INFO: 0x0a,
  GET_DEVICE_INFO: 0x0b,
  FILE_OPEN: 0x0d,
  FILE_OPEN_RESULT: 0x0e,
  FILE_READ: 0x0f,
  FILE_WRITE: 0x10,
  FILE_SEEK: 0x11,
  FILE_TELL: 0x12,
  FILE_TELL_RESULT: 0x13,
  FILE_CLOSE: 0x14,
  FILE_SET_SIZE: 0x15,
  RENAME_PATH: 0x18,
  FILE_LOCK: 0x1b,
  MAKE_LINK: 0x1c,
  SET_FILE_MOD_TIME: 0x1e,
  REMOVE_PATH_AND_CONTENTS: 0x22,
} as const;

/** FileOpen modes (§4.2). */
export const AfcOpenMode = {
  /** "r" */
  READ_ONLY: 1,
  /** "r+": read/write, created if missing (the sync lock file is opened this way, §4.5). */
  READ_WRITE: 2,
  /** "w": write, created, truncated. */
  WRITE_ONLY: 3,
  /** "w+": read/write, created, truncated. */
  WRITE_READ: 4,
  /** "a" */
  APPEND: 5,
  /** "a+" */
  READ_APPEND: 6,
} as const;
export type AfcOpenModeValue = (typeof AfcOpenMode)[keyof typeof AfcOpenMode];

/** FileLock operations: flock(2) values with the non-blocking bit 4 set (§4.2). */
export const AfcLockOperation = {
  SHARED: 1 | 4,
  EXCLUSIVE: 2 | 4,
  UNLOCK: 8 | 4,
} as const;
export type AfcLockOperationValue = (typeof AfcLockOperation)[keyof typeof AfcLockOperation];

export const AfcLinkType = { HARD: 1, SYMBOLIC: 2 } as const;

/** Status codes (§4.3), with a sentence a person can act on. */
const STATUS_TEXT: Readonly<Record<number, readonly [name: string, sentence: string]>> = {
  0: ['SUCCESS', 'The operation succeeded.'],
  1: ['UNKNOWN_ERROR', 'The device reported an unspecified error (a folder that is not empty cannot be removed, for example).'],
  2: ['OP_HEADER_INVALID', 'The device did not understand the request header.'],
  3: ['NO_RESOURCES', 'The device ran out of resources for the request.'],
  4: ['READ_ERROR', 'The device could not read the file.'],
  5: ['WRITE_ERROR', 'The device could not write the file.'],
  6: ['UNKNOWN_PACKET_TYPE', 'The device does not know this request.'],
  7: ['INVALID_ARG', 'The device rejected an argument of the request.'],
  8: ['OBJECT_NOT_FOUND', 'The file or folder does not exist on the device.'],
  9: ['OBJECT_IS_DIR', 'The path is a folder, not a file.'],
  10: ['PERM_DENIED', 'The device does not allow access to this path.'],
  11: ['SERVICE_NOT_CONNECTED', 'The file service on the device is not connected.'],
  12: ['OP_TIMEOUT', 'The device timed out doing the operation.'],
  13: ['TOO_MUCH_DATA', 'The request carried more data than the device accepts.'],
  14: ['END_OF_DATA', 'The end of the data was reached.'],
  15: ['OP_NOT_SUPPORTED', 'The device does not support this operation.'],
  16: ['OBJECT_EXISTS', 'A file or folder with this name already exists on the device.'],
  17: ['OBJECT_BUSY', 'The file or folder is in use on the device.'],
  18: ['NO_SPACE_LEFT', 'The device has no space left.'],
  19: ['OP_WOULD_BLOCK', 'The file is locked by another program on the device (for example another sync).'],
  20: ['IO_ERROR', 'The device reported an input/output error.'],
  21: ['OP_INTERRUPTED', 'The operation was interrupted on the device.'],
  22: ['OP_IN_PROGRESS', 'The operation is already in progress on the device.'],
  23: ['INTERNAL_ERROR', 'The file service on the device hit an internal error.'],
};

/** An AFC STATUS reply other than SUCCESS, with its §4.3 name. */
export class AfcError extends ServiceError {
  readonly statusName: string;

  constructor(
    readonly status: number,
    readonly operation: string,
    readonly path?: string,
  ) {
    const [name, sentence] = STATUS_TEXT[status] ?? [`STATUS_${status}`, `The device reported AFC error ${status}.`];
    super('device-refused', `${operation}${path === undefined ? '' : ` ${path}`} failed: ${sentence} (AFC ${name})`);
    this.name = 'AfcError';
    this.statusName = name;
  }
}

export const AfcStatus = {
  SUCCESS: 0,
  UNKNOWN_ERROR: 1,
  OBJECT_NOT_FOUND: 8,
  OBJECT_IS_DIR: 9,
  PERM_DENIED: 10,
  OBJECT_EXISTS: 16,
  OP_WOULD_BLOCK: 19,
} as const;

export interface AfcPacket {
  readonly packetNumber: bigint;
  readonly operation: number;
  /** Header-data (arguments) for requests; for replies everything after the header (§4.1). */
  readonly headerData: Buffer;
  readonly payload: Buffer;
}

/** Builds a request: `this_length` covers header + header-data, `entire_length` adds the payload (§4.1). */
export function encodeAfcPacket(packetNumber: bigint, operation: number, headerData: Uint8Array, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(AFC_HEADER_BYTES);
  AFC_MAGIC.copy(header, 0);
  const thisLength = AFC_HEADER_BYTES + headerData.length;
  header.writeBigUInt64LE(BigInt(thisLength + payload.length), 8);
  header.writeBigUInt64LE(BigInt(thisLength), 16);
  header.writeBigUInt64LE(packetNumber, 24);
  header.writeBigUInt64LE(BigInt(operation), 32);
  return Buffer.concat([header, headerData, payload]);
}

interface AfcHeader {
  readonly entireLength: bigint;
  readonly thisLength: bigint;
  readonly packetNumber: bigint;
  readonly operation: number;
}

/** Checks the magic and lengths of a 40-byte header; throws ServiceError('protocol'/'too-large'). */
function decodeAfcHeader(bytes: Buffer, maxBodyBytes = MAX_AFC_REPLY_BYTES): AfcHeader {
  if (bytes.length < AFC_HEADER_BYTES || !bytes.subarray(0, 8).equals(AFC_MAGIC)) {
    throw new ServiceError('protocol', 'The device sent an AFC packet without the CFA6LPAA magic.');
  }
  const entireLength = bytes.readBigUInt64LE(8);
  const thisLength = bytes.readBigUInt64LE(16);
  const packetNumber = bytes.readBigUInt64LE(24);
  const operation = bytes.readBigUInt64LE(32);
  if (entireLength < BigInt(AFC_HEADER_BYTES) || thisLength < BigInt(AFC_HEADER_BYTES) || thisLength > entireLength) {
    throw new ServiceError('protocol', `The device sent an AFC packet with impossible lengths (entire ${entireLength}, header ${thisLength}).`);
  }
  if (entireLength - BigInt(AFC_HEADER_BYTES) > BigInt(maxBodyBytes)) {
    throw new ServiceError('too-large', `The device announced an AFC reply of ${entireLength} bytes; the limit is ${maxBodyBytes}.`);
  }
  if (operation > 0xffffn) throw new ServiceError('protocol', `The device sent an AFC packet with an unknown operation ${operation}.`);
  return { entireLength, thisLength, packetNumber, operation: Number(operation) };
}

/**
 * Reads one reply. The body is `entire_length - 40` bytes whatever `this_length` says (§4.1), split
 * into header-data and payload at `this_length` for requests a simulator may send back.
 */
export async function readAfcPacket(reader: ByteReader, maxBodyBytes = MAX_AFC_REPLY_BYTES, timeoutMs = 0): Promise<AfcPacket> {
  try {
    const header = decodeAfcHeader(await reader.readExactly(AFC_HEADER_BYTES, timeoutMs), maxBodyBytes);
    const body = await reader.readExactly(Number(header.entireLength) - AFC_HEADER_BYTES, timeoutMs);
    const split = Number(header.thisLength) - AFC_HEADER_BYTES;
    return {
      packetNumber: header.packetNumber,
      operation: header.operation,
      headerData: body.subarray(0, split),
      payload: body.subarray(split),
    };
  } catch (error) {
    throw toServiceError(error, 'reading an AFC reply');
  }
}

/** The body of a reply: header-data and payload together (replies put everything in one of them). */
export function replyBody(packet: AfcPacket): Buffer {
  if (packet.headerData.length === 0) return packet.payload;
  if (packet.payload.length === 0) return packet.headerData;
  return Buffer.concat([packet.headerData, packet.payload]);
}

/** NUL-terminated UTF-8 path, as every path argument is sent (§4.2). */
export function encodeAfcPath(path: string): Buffer {
  if (path.includes('\0')) throw new ServiceError('invalid-argument', `The path ${JSON.stringify(path)} contains a NUL character, which AFC cannot carry.`);
  return Buffer.from(`${path}\0`, 'utf8');
}

export function u64le(...values: readonly (number | bigint)[]): Buffer {
  const bytes = Buffer.alloc(8 * values.length);
  values.forEach((value, index) => {
    const big = BigInt(value);
    if (big < 0n) bytes.writeBigInt64LE(big, index * 8);
    else bytes.writeBigUInt64LE(big, index * 8);
  });
  return bytes;
}

/** Splits `a\0b\0c\0` into strings (ReadDirectory, §4.2); a missing final NUL is tolerated. */
export function splitNulStrings(bytes: Buffer): string[] {
  const strings = bytes.toString('utf8').split('\0');
  if (strings.length > 0 && strings[strings.length - 1] === '') strings.pop();
  return strings;
}

/** `key\0value\0…` pairs (GetFileInfo, GetDeviceInfo, §4.4). A dangling key is dropped. */
export function parseKeyValuePairs(bytes: Buffer): Record<string, string> {
  const strings = splitNulStrings(bytes);
  const pairs: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let index = 0; index + 1 < strings.length; index += 2) {
    pairs[strings[index] as string] = strings[index + 1] as string;
  }
  return pairs;
}
