import type { ByteReader } from './byte-reader';
import { decodePlist, encodePlist, type PlistFormat } from './plist';
import { type PlistValue, PlistShapeError } from './plist-value';

/**
 * Length-prefixed plist frames: a big-endian u32 length, then the plist (lockdownd §2.1,
 * notification_proxy §2.8, DeviceLink §3.1). The cap keeps a lying peer from making us allocate
 * gigabytes for one message.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class FrameTooLargeError extends PlistShapeError {
  constructor(readonly length: number, readonly limit: number) {
    super(`A message of ${length} bytes is larger than the ${limit}-byte limit.`);
    this.name = 'FrameTooLargeError';
  }
}

export function encodeFrame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

export function encodePlistFrame(value: PlistValue, format: PlistFormat): Buffer {
  return encodeFrame(encodePlist(value, format));
}

export async function readFrame(reader: ByteReader, limit = MAX_FRAME_BYTES, timeoutMs?: number): Promise<Buffer> {
  const length = await reader.readUInt32BE(timeoutMs);
  if (length > limit) throw new FrameTooLargeError(length, limit);
  return reader.readExactly(length, timeoutMs);
}

export async function readPlistFrame(reader: ByteReader, limit = MAX_FRAME_BYTES, timeoutMs?: number): Promise<PlistValue> {
  return decodePlist(await readFrame(reader, limit, timeoutMs));
}
