import { type ByteReader, decodePlist, encodePlist, isPlistDict, type PlistDict } from '../codec';

/** usbmuxd packet header: four little-endian u32s — length, version, message, tag (protocol.md §1.2). */
export const MUX_HEADER_BYTES = 16;
/** Plist protocol: version 1, message 8, XML payload in both directions (§1.2). */
export const MUX_VERSION_PLIST = 1;
const MUX_MESSAGE_PLIST = 8;
/**
 * Cap on one packet from the daemon. usbmuxd itself refuses commands above 64 KiB (§1.2); replies
 * (a long DeviceList) can be bigger, so allow 1 MiB — still small enough that a lying length costs nothing.
 */
export const MUX_MAX_REPLY_BYTES = 1024 * 1024;

export interface MuxPacket {
  readonly version: number;
  readonly message: number;
  readonly tag: number;
  readonly payload: Buffer;
}

/** A packet or payload that cannot be a usbmuxd message. */
export class MuxPacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MuxPacketError';
  }
}

export function encodeMuxPlistPacket(tag: number, request: PlistDict): Buffer {
  const payload = encodePlist(request, 'xml');
  const header = Buffer.alloc(MUX_HEADER_BYTES);
  header.writeUInt32LE(MUX_HEADER_BYTES + payload.length, 0);
  header.writeUInt32LE(MUX_VERSION_PLIST, 4);
  header.writeUInt32LE(MUX_MESSAGE_PLIST, 8);
  header.writeUInt32LE(tag >>> 0, 12);
  return Buffer.concat([header, payload]);
}

/** Validates a header before anything is allocated for the payload. */
function parseMuxHeader(head: Buffer, limit = MUX_MAX_REPLY_BYTES): { length: number; version: number; message: number; tag: number } {
  if (head.length < MUX_HEADER_BYTES) throw new MuxPacketError(`A usbmuxd header needs ${MUX_HEADER_BYTES} bytes, got ${head.length}.`);
  const length = head.readUInt32LE(0);
  if (length < MUX_HEADER_BYTES) throw new MuxPacketError(`usbmuxd sent a packet length of ${length}, shorter than its own header.`);
  if (length > limit) throw new MuxPacketError(`usbmuxd sent a packet of ${length} bytes; the limit is ${limit}.`);
  return { length, version: head.readUInt32LE(4), message: head.readUInt32LE(8), tag: head.readUInt32LE(12) };
}

/** Reads one whole packet, however the bytes were split across socket reads. */
export async function readMuxPacket(reader: ByteReader, timeoutMs: number, limit = MUX_MAX_REPLY_BYTES): Promise<MuxPacket> {
  const header = parseMuxHeader(await reader.readExactly(MUX_HEADER_BYTES, timeoutMs), limit);
  const payload = await reader.readExactly(header.length - MUX_HEADER_BYTES, timeoutMs);
  return { version: header.version, message: header.message, tag: header.tag, payload };
}

/** Decodes a plist-protocol payload into a dict; anything else is a protocol error. */
export function decodeMuxPlist(packet: MuxPacket): PlistDict {
  if (packet.version !== MUX_VERSION_PLIST || packet.message !== MUX_MESSAGE_PLIST) {
    throw new MuxPacketError(`usbmuxd answered with a version ${packet.version}, message ${packet.message} packet instead of a plist.`);
  }
  let value;
  try {
    value = decodePlist(packet.payload);
  } catch (error) {
    throw new MuxPacketError(`usbmuxd sent a plist that cannot be read: ${(error as Error).message}`);
  }
  if (!isPlistDict(value)) throw new MuxPacketError('usbmuxd sent a plist that is not a dictionary.');
  return value;
}

