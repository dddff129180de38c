import type { ByteReader } from '../../../main/device/codec';

/**
 * AFC wire format (protocol.md §4.1–4.3): a 40-byte little-endian header — magic `CFA6LPAA`,
 * entire_length, this_length, packet_num, operation — then header-data and payload.
 */
export const AFC_MAGIC = Buffer.from('CFA6LPAA', 'latin1');
export const AFC_HEADER_BYTES = 40;
/** Larger requests than this are refused rather than buffered (FileWrite chunks are ~64 KiB–4 MiB). */
export const MAX_AFC_PACKET_BYTES = 64 * 1024 * 1024;

/** Opcodes, §4.2. */
export const AfcOp = {
  Status: 0x01,
  Data: 0x02,
  ReadDirectory: 0x03,
  ReadFile: 0x04,
  WriteFile: 0x05,
  WritePart: 0x06,
  Truncate: 0x07,
  RemovePath: 0x08,
  MakeDir: 0x09,
  GetFileInfo: 0x0a,
  GetDeviceInfo: 0x0b,
  WriteFileAtomic: 0x0c,
  FileOpen: 0x0d,
  FileOpenResult: 0x0e,
  FileRead: 0x0f,
  FileWrite: 0x10,
  FileSeek: 0x11,
  FileTell: 0x12,
  FileTellResult: 0x13,
  FileClose: 0x14,
  FileSetSize: 0x15,
  GetConnectionInfo: 0x16,
  SetConnectionOptions: 0x17,
  RenamePath: 0x18,
  SetFSBlockSize: 0x19,
  SetSocketBlockSize: 0x1a,
  FileLock: 0x1b,
  MakeLink: 0x1c,
  GetFileHash: 0x1d,
  SetFileModTime: 0x1e,
  GetFileHashWithRange: 0x1f,
  RemovePathAndContents: 0x22,
} as const;

/** Status codes, §4.3. */
export const AfcStatus = {
  Success: 0,
  UnknownError: 1,
  OpHeaderInvalid: 2,
  NoResources: 3,
  ReadError: 4,
  WriteError: 5,
  UnknownPacketType: 6,
  InvalidArg: 7,
  ObjectNotFound: 8,
  ObjectIsDir: 9,
  PermDenied: 10,
  ServiceNotConnected: 11,
  OpTimeout: 12,
  TooMuchData: 13,
  EndOfData: 14,
  OpNotSupported: 15,
  ObjectExists: 16,
  ObjectBusy: 17,
  NoSpaceLeft: 18,
  OpWouldBlock: 19,
  IoError: 20,
  OpInterrupted: 21,
  OpInProgress: 22,
  InternalError: 23,
} as const;

export type AfcStatusCode = (typeof AfcStatus)[keyof typeof AfcStatus];

export interface AfcPacket {
  readonly packetNum: bigint;
  readonly operation: number;
  readonly headerData: Buffer;
  readonly payload: Buffer;
}

/** A request the device cannot make sense of at the framing level: the connection is dropped. */
export class AfcFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AfcFramingError';
  }
}

/** An operation that failed with an AFC status code; the reason is for the simulator's log. */
export class AfcStatusError extends Error {
  constructor(readonly status: AfcStatusCode, message: string) {
    super(message);
    this.name = 'AfcStatusError';
  }
}

export function encodeAfcPacket(packetNum: bigint, operation: number, headerData: Buffer, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(AFC_HEADER_BYTES);
  AFC_MAGIC.copy(header, 0);
  header.writeBigUInt64LE(BigInt(AFC_HEADER_BYTES + headerData.length + payload.length), 8);
  header.writeBigUInt64LE(BigInt(AFC_HEADER_BYTES + headerData.length), 16);
  header.writeBigUInt64LE(packetNum, 24);
  header.writeBigUInt64LE(BigInt(operation), 32);
  return Buffer.concat([header, headerData, payload]);
}

export async function readAfcPacket(reader: ByteReader): Promise<AfcPacket> {
  const header = await reader.readExactly(AFC_HEADER_BYTES);
  if (!header.subarray(0, 8).equals(AFC_MAGIC)) {
    throw new AfcFramingError(`An AFC packet must start with CFA6LPAA, got ${header.subarray(0, 8).toString('hex')}.`);
  }
  const entireLength = header.readBigUInt64LE(8);
  const thisLength = header.readBigUInt64LE(16);
  if (entireLength > BigInt(MAX_AFC_PACKET_BYTES) || thisLength < BigInt(AFC_HEADER_BYTES) || thisLength > entireLength) {
    throw new AfcFramingError(`AFC packet lengths make no sense (entire ${entireLength}, this ${thisLength}).`);
  }
  const headerData = await reader.readExactly(Number(thisLength) - AFC_HEADER_BYTES);
  const payload = await reader.readExactly(Number(entireLength - thisLength));
  return { packetNum: header.readBigUInt64LE(24), operation: Number(header.readBigUInt64LE(32)), headerData, payload };
}

/** Replies put everything after the 40-byte header (this_length = 40), as §4.1 recommends. */
export function statusReply(packetNum: bigint, status: AfcStatusCode): Buffer {
  const code = Buffer.alloc(8);
  code.writeBigUInt64LE(BigInt(status));
  return encodeAfcPacket(packetNum, AfcOp.Status, Buffer.alloc(0), code);
}

export function u64(value: number | bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
}

/** NUL-separated strings, each followed by a NUL (ReadDirectory names, GetFileInfo pairs). */
export function nulList(items: readonly string[]): Buffer {
  return Buffer.concat(items.map((item) => Buffer.from(`${item}\u0000`, 'utf8')));
}

/** Reads a NUL-terminated UTF-8 string at `offset`; the string runs to the end if no NUL. */
export function readCString(bytes: Buffer, offset = 0): { value: string; next: number } {
  const end = bytes.indexOf(0, offset);
  const stop = end < 0 ? bytes.length : end;
  return { value: bytes.toString('utf8', offset, stop), next: stop + 1 };
}
