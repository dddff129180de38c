import { BLOCK_CODE, FILE_BLOCK_BYTES } from './file-stream';

/** Bytes gathered before a socket write: big enough that a 4 KB file is not one write, small enough to keep fault budgets fine-grained. */
export const UPLOAD_FLUSH_BYTES = 128 * 1024;

/**
 * Lays out a DLMessageUploadFiles stream (protocol.md §3.6.2) straight into a few large buffers,
 * so a backup of 50,000 small files costs a few thousand socket writes instead of four per file,
 * and every byte is copied once (no per-block `Buffer.concat`). The bytes are exactly those of
 * `encodeUploadHeader`, `encodeBlock` and `encodeStreamEnd`, one after the other.
 *
 * The caller appends synchronously and awaits `flush()` whenever `isFull` says so, and before it
 * waits for the host's reply: nothing is sent until then.
 */
export class UploadStreamWriter {
  private ready: Buffer[] = [];
  private current = Buffer.allocUnsafe(UPLOAD_FLUSH_BYTES);
  private used = 0;
  private readyBytes = 0;

  constructor(private readonly write: (bytes: Buffer) => Promise<void>) {}

  /** True once enough is gathered to be worth a write. */
  get isFull(): boolean {
    return this.readyBytes + this.used >= UPLOAD_FLUSH_BYTES;
  }

  /** One file's header: the device-side name, then the host-relative path, each `u32` length-prefixed. */
  fileHeader(deviceName: string, hostPath: string): void {
    this.string(deviceName);
    this.string(hostPath);
  }

  /** A chunk of file content as FILE_DATA blocks of at most FILE_BLOCK_BYTES each. */
  fileData(chunk: Buffer): void {
    for (let offset = 0; offset < chunk.length; offset += FILE_BLOCK_BYTES) {
      const end = Math.min(chunk.length, offset + FILE_BLOCK_BYTES);
      this.blockHeader(BLOCK_CODE.fileData, end - offset);
      this.bytes(chunk, offset, end);
    }
  }

  /** The block that ends a file: success, or an error code with its message. */
  endBlock(code: number, payload?: Buffer): void {
    this.blockHeader(code, payload?.length ?? 0);
    if (payload) this.bytes(payload, 0, payload.length);
  }

  /** The `u32 0` that ends the whole stream. */
  streamEnd(): void {
    this.u32(0);
  }

  /** Sends everything gathered so far, waiting for the socket as `write` does. */
  async flush(): Promise<void> {
    const pieces = this.ready;
    if (this.used > 0) pieces.push(this.current.subarray(0, this.used));
    this.ready = [];
    this.readyBytes = 0;
    if (this.used > 0) {
      // The socket keeps the sent buffer until it is written out, so never reuse it.
      this.current = Buffer.allocUnsafe(UPLOAD_FLUSH_BYTES);
      this.used = 0;
    }
    for (const piece of pieces) await this.write(piece);
  }

  private blockHeader(code: number, payloadLength: number): void {
    this.u32(payloadLength + 1);
    this.room(1);
    this.current[this.used++] = code;
  }

  private string(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    this.u32(length);
    if (length <= this.current.length - this.used) {
      this.used += this.current.write(text, this.used, 'utf8');
    } else {
      const encoded = Buffer.from(text, 'utf8');
      this.bytes(encoded, 0, encoded.length);
    }
  }

  private u32(value: number): void {
    this.room(4);
    this.current.writeUInt32BE(value, this.used);
    this.used += 4;
  }

  /** Copies `source[start, end)`, spilling into fresh buffers as each fills. */
  private bytes(source: Buffer, start: number, end: number): void {
    let offset = start;
    while (offset < end) {
      this.room(1);
      const copied = source.copy(this.current, this.used, offset, Math.min(end, offset + this.current.length - this.used));
      this.used += copied;
      offset += copied;
    }
  }

  /** Makes sure `bytes` (at most a few) fit in the current buffer, retiring it when they do not. */
  private room(bytes: number): void {
    if (this.current.length - this.used >= bytes) return;
    this.ready.push(this.current.subarray(0, this.used));
    this.readyBytes += this.used;
    this.current = Buffer.allocUnsafe(UPLOAD_FLUSH_BYTES);
    this.used = 0;
  }
}
