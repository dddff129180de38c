import { type ByteReader, decodePlist, encodePlist, type PlistValue } from '../../main/device/codec';

/** usbmuxd packet header: four little-endian u32s (protocol.md §1.2). */
export const MUX_HEADER_BYTES = 16;
/** libimobiledevice's usbmuxd refuses commands above 64 KiB (§1.2); so do we. */
export const MUX_MAX_PACKET_BYTES = 0x10000;

export const MUX_VERSION_BINARY = 0;
export const MUX_VERSION_PLIST = 1;

export const MuxMessage = {
  result: 1,
  connect: 2,
  listen: 3,
  deviceAdd: 4,
  deviceRemove: 5,
  devicePaired: 6,
  plist: 8,
} as const;

/** Result codes carried in `Number` (§1.2). */
export const MuxResult = {
  ok: 0,
  badCommand: 1,
  badDevice: 2,
  connectionRefused: 3,
  badVersion: 6,
} as const;

/** errno values usbmuxd uses for pair-record commands (§1.2). */
export const MuxErrno = {
  noSuchFile: 2,
  invalidArgument: 22,
} as const;

export interface MuxPacketHeader {
  readonly length: number;
  readonly version: number;
  readonly message: number;
  readonly tag: number;
}

export interface MuxPacket {
  readonly header: MuxPacketHeader;
  readonly payload: Buffer;
}

export class MuxProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MuxProtocolError';
  }
}

export async function readMuxPacket(reader: ByteReader): Promise<MuxPacket> {
  const head = await reader.readExactly(MUX_HEADER_BYTES, 0);
  const header: MuxPacketHeader = {
    length: head.readUInt32LE(0),
    version: head.readUInt32LE(4),
    message: head.readUInt32LE(8),
    tag: head.readUInt32LE(12),
  };
  if (header.length < MUX_HEADER_BYTES || header.length > MUX_MAX_PACKET_BYTES) {
    throw new MuxProtocolError(`A usbmuxd packet claimed ${header.length} bytes; the limit is ${MUX_MAX_PACKET_BYTES}.`);
  }
  const payload = await reader.readExactly(header.length - MUX_HEADER_BYTES, 0);
  return { header, payload };
}

export function encodeMuxPacket(version: number, message: number, tag: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(MUX_HEADER_BYTES);
  head.writeUInt32LE(MUX_HEADER_BYTES + payload.length, 0);
  head.writeUInt32LE(version, 4);
  head.writeUInt32LE(message, 8);
  head.writeUInt32LE(tag, 12);
  return Buffer.concat([head, payload]);
}

/** Every plist-protocol packet is message 8, version 1, with an XML payload (§1.2). */
export function encodeMuxPlist(tag: number, value: PlistValue): Buffer {
  return encodeMuxPacket(MUX_VERSION_PLIST, MuxMessage.plist, tag, encodePlist(value, 'xml'));
}

export function encodeMuxResult(tag: number, number: number): Buffer {
  return encodeMuxPlist(tag, { MessageType: 'Result', Number: number });
}

/** Binary-protocol result: used only to answer version-0 clients with BADVERSION (§1.4, §1.6). */
export function encodeBinaryResult(tag: number, number: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(number, 0);
  return encodeMuxPacket(MUX_VERSION_BINARY, MuxMessage.result, tag, payload);
}

export function decodeMuxPayload(payload: Buffer): PlistValue {
  return decodePlist(payload);
}
