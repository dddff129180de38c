import type { ByteReader } from '../../../main/device/codec';
import { HostProtocolError } from './mb-error';

/**
 * The raw, unframed file streams DeviceLink carries between two plist messages (protocol.md
 * §3.6.1 host → device for DownloadFiles, §3.6.2 device → host for UploadFiles). Every length is
 * a big-endian u32; a block is `u32 (1 + n)`, a one-byte code, then n payload bytes.
 */
export const BLOCK_CODE = {
  success: 0x00,
  localError: 0x06,
  remoteError: 0x0b,
  fileData: 0x0c,
} as const;

/** Apple's DeviceLink peers move file data in 32 KiB blocks (§3.6.1); bigger ones strain BackupAgent2. */
export const FILE_BLOCK_BYTES = 32 * 1024;

// A host block can never be bigger than this; a larger length means the stream is out of step.
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
const MAX_PATH_BYTES = 4096;

export function encodeLengthPrefixed(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

export function encodeBlock(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header.writeUInt8(code, 4);
  return payload.length === 0 ? header : Buffer.concat([header, payload]);
}

/** The four zero bytes that end a whole stream (where the next name length would be). */
export function encodeStreamEnd(): Buffer {
  return Buffer.alloc(4);
}

/** Header of one uploaded file: the device-side name (display only), then the host-relative path. */
export function encodeUploadHeader(deviceName: string, hostPath: string): Buffer {
  return Buffer.concat([encodeLengthPrefixed(deviceName), encodeLengthPrefixed(hostPath)]);
}

/** Splits arbitrary chunks into FILE_DATA blocks of at most FILE_BLOCK_BYTES. */
export async function* encodeFileDataBlocks(content: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of content) {
    for (let offset = 0; offset < chunk.length; offset += FILE_BLOCK_BYTES) {
      yield encodeBlock(BLOCK_CODE.fileData, chunk.subarray(offset, offset + FILE_BLOCK_BYTES));
    }
  }
}

export type DownloadBlock =
  | { readonly kind: 'data'; readonly bytes: Buffer }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Reads a DownloadFiles stream (§3.6.1) one piece at a time, so the caller can write each file's
 * content wherever it goes before the next file's bytes are read.
 */
export class DownloadStreamReader {
  constructor(private readonly reader: ByteReader) {}

  /** The next file's path, or undefined at the `u32 0` that ends the stream. */
  async nextPath(): Promise<string | undefined> {
    const length = await this.reader.readUInt32BE();
    if (length === 0) return undefined;
    if (length > MAX_PATH_BYTES) throw new HostProtocolError(`The computer sent a ${length}-byte file name; the stream is out of step.`);
    return (await this.reader.readExactly(length)).toString('utf8');
  }

  async nextBlock(): Promise<DownloadBlock> {
    const length = await this.reader.readUInt32BE();
    if (length === 0 || length > MAX_BLOCK_BYTES) {
      throw new HostProtocolError(`The computer sent a file block of ${length} bytes; the stream is out of step.`);
    }
    const code = (await this.reader.readExactly(1)).readUInt8(0);
    const payload = await this.reader.readExactly(length - 1);
    if (code === BLOCK_CODE.fileData) return { kind: 'data', bytes: payload };
    if (code === BLOCK_CODE.success) return { kind: 'end' };
    return { kind: 'error', message: payload.toString('utf8') || `error code 0x${code.toString(16)}` };
  }
}
