import { BLOCK_CODE, FILE_BLOCK_BYTES } from './file-stream';

/** Bytes gathered before a socket write: big enough that a 4 KB file is not one write, small enough to keep fault budgets fine-grained. */
export const UPLOAD_FLUSH_BYTES = 128 * 1024;

/** Content spans at least this long are sent from the caller's buffer instead of being copied. */
const REFERENCE_BYTES = 8 * 1024;

/**
 * Lays out a DLMessageUploadFiles stream (protocol.md §3.6.2) for few, large socket writes, so a
 * backup of 50,000 small files costs a few thousand writes instead of four per file. Headers and
 * small files are copied into a shared buffer; bigger content spans (photos, videos) are sent from
 * the caller's own buffers, which must not change afterwards (the phone's content never does), so
 * gigabytes of photos are not copied into fresh memory a second time. The bytes are exactly those
 * of `encodeUploadHeader`, `encodeBlock` and `encodeStreamEnd`, one after the other.
 *
 * The caller appends synchronously and awaits `flush()` whenever `isFull` says so, and before it
 * waits for the host's reply: nothing is sent until then, and then in one call to `write`.
 */
export class UploadStreamWriter {
  private ready: Buffer[] = [];
  private current = Buffer.allocUnsafe(UPLOAD_FLUSH_BYTES);
  /** `current` before `start` is already in `ready` (or sent): never written again. */
  private start = 0;
  private used = 0;
  private readyBytes = 0;

  constructor(private readonly write: (pieces: readonly Buffer[]) => Promise<void>) {}

  /** True once enough is gathered to be worth a write. */
  get isFull(): boolean {
    return this.readyBytes + this.used - this.start >= UPLOAD_FLUSH_BYTES;
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
      if (end - offset >= REFERENCE_BYTES) this.reference(chunk.subarray(offset, end));
      else this.bytes(chunk, offset, end);
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
    this.retireCurrent();
    const pieces = this.ready;
    this.ready = [];
    this.readyBytes = 0;
    // The socket keeps what it was given until it is written out; `current` goes on filling after `start` only.
    if (pieces.length > 0) await this.write(pieces);
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

  /** Queues `span` itself after what is gathered so far. */
  private reference(span: Buffer): void {
    this.retireCurrent();
    this.ready.push(span);
    this.readyBytes += span.length;
  }

  /** Moves what `current` holds since `start` to `ready`; the rest of `current` stays for later bytes. */
  private retireCurrent(): void {
    if (this.used === this.start) return;
    this.ready.push(this.current.subarray(this.start, this.used));
    this.readyBytes += this.used - this.start;
    this.start = this.used;
  }

  /** Makes sure `bytes` (at most a few) fit in the current buffer, retiring it when they do not. */
  private room(bytes: number): void {
    if (this.current.length - this.used >= bytes) return;
    this.retireCurrent();
    this.current = Buffer.allocUnsafe(UPLOAD_FLUSH_BYTES);
    this.start = 0;
    this.used = 0;
  }
}
