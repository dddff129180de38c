import fs from 'node:fs';
import net from 'node:net';
import { DeviceLinkBlockCode, DOWNLOAD_BLOCK_BYTES, FIRST_SEND_BYTES, SEND_GATHER_BYTES } from './device-link-stream-format';
import { type ServiceChannel, writeToChannel } from './service-channel';

/** One piece of reused memory: a little more than a full gather, so a 32 KiB block always fits after a flush is due. */
const SLAB_BYTES = SEND_GATHER_BYTES + 64 * 1024;
/** Slabs kept for reuse once written; more are made only while the socket still holds these. */
const SPARE_SLABS = 8;
/**
 * The written slabs of each socket, kept for its next stream: a restore sends one stream per
 * request of the phone (hundreds), each only a few slabs long, so slabs kept per stream were made
 * anew for nearly every write.
 */
const spareSlabs = new WeakMap<object, Buffer[]>();

/**
 * The host → device download stream (protocol.md §3.6.1) gathered into slabs of memory it reuses:
 * each path, block header and block is written straight into the slab, and a slab goes to the
 * socket in one write once `due`: the first as soon as anything is gathered (the caller asks at the
 * end of each small file, so that is the first file whole), then FIRST_SEND_BYTES, doubling up to
 * SEND_GATHER_BYTES, so the device starts on the first file at once and later writes stay few.
 * Before, every file cost four new buffers (its path, its blocks, the terminator, each with its
 * header) and every write a new 1 MiB buffer they were gathered into: ~1.5 GB of fresh memory for
 * a many-small restore, which V8 answered with collections on the two cores the phone needs.
 *
 * A slab is taken again only once the socket has written it, and only on a network socket (TLS or
 * not), which has copied the bytes into the kernel (or encrypted them) by then; another stream (an
 * in-process pair in tests) may keep the very buffer it was given, so there each slab is new.
 * Whatever the caller passes is copied at once, never kept.
 */
export class StreamOutbox {
  /** The slab being filled; taken when the first piece needs it, so a finished stream holds none. */
  private slab: Buffer | undefined;
  private used = 0;
  /** Where the piece `reserve` made room for starts in the buffer it returned. */
  private at = 0;
  /** Full slabs (and any one-off buffer for a piece larger than a slab) waiting for the next flush. */
  private sealed: Array<{ readonly bytes: Buffer; readonly slab: Buffer | undefined }> = [];
  private sealedBytes = 0;
  /** Bytes that make a write due: any at first (the first whole file goes at once), then FIRST_SEND_BYTES doubling. */
  private gather = 1;
  /** This socket's written slabs (shared by its streams), or none where memory is not reused. */
  private readonly spare: Buffer[];

  constructor(private readonly channel: ServiceChannel) {
    const { socket } = channel;
    let spare = socket instanceof net.Socket ? spareSlabs.get(socket) : undefined;
    if (spare === undefined && socket instanceof net.Socket) spareSlabs.set(socket, (spare = []));
    this.spare = spare ?? [];
  }

  /** Whether enough is gathered for a write: the caller awaits flush() then. */
  get due(): boolean {
    return this.sealedBytes + this.used >= this.gather;
  }

  /** A file's name: `u32 length` + UTF-8 (§3.6.1 step 1). */
  path(path: string): void {
    const length = Buffer.byteLength(path, 'utf8');
    const target = this.reserve(4 + length);
    target.writeUInt32BE(length, this.at);
    target.write(path, this.at + 4, length, 'utf8');
  }

  /** One `u32 (n+1)` + code + payload block (§3.6.1 steps 2–4): SUCCESS, LOCAL_ERROR with its text. */
  block(code: number, payload?: Uint8Array): void {
    const length = payload?.length ?? 0;
    const target = this.reserve(5 + length);
    target.writeUInt32BE(length + 1, this.at);
    target[this.at + 4] = code;
    if (payload !== undefined && length > 0) target.set(payload, this.at + 5);
  }

  /** Content as consecutive FILE_DATA blocks of at most 32 KiB (§3.6.1 step 2), copied. */
  data(chunk: Uint8Array): void {
    for (let offset = 0; offset < chunk.length; offset += DOWNLOAD_BLOCK_BYTES) {
      this.block(DeviceLinkBlockCode.FILE_DATA, chunk.subarray(offset, Math.min(chunk.length, offset + DOWNLOAD_BLOCK_BYTES)));
    }
  }

  /**
   * Up to `size` bytes of the open file `fd` from its start, as FILE_DATA blocks (§3.6.1 step 2)
   * read straight into place: no buffer of its own and no second copy. A file that ends early
   * (shrank since it was sized) sends what it held; returns that length. A failed read leaves
   * only the blocks read whole before it. Does not close `fd`.
   */
  fileData(fd: number, size: number): number {
    let sent = 0;
    while (sent < size) {
      const length = Math.min(DOWNLOAD_BLOCK_BYTES, size - sent);
      const target = this.reserve(5 + length);
      const at = this.at;
      let filled = 0;
      try {
        while (filled < length) {
          const read = fs.readSync(fd, target, at + 5 + filled, length - filled, sent + filled);
          if (read === 0) break;
          filled += read;
        }
      } catch (error) {
        this.unreserve(5 + length);
        throw error;
      }
      if (filled === 0) {
        this.unreserve(5 + length);
        break;
      }
      this.unreserve(length - filled);
      target.writeUInt32BE(filled + 1, at);
      target[at + 4] = DeviceLinkBlockCode.FILE_DATA;
      sent += filled;
      if (filled < length) break;
    }
    return sent;
  }

  /** The four zero bytes that end the stream (also after an empty path list, §3.6.1). */
  end(): void {
    this.reserve(4).writeUInt32BE(0, this.at);
  }

  /** Writes everything gathered, one socket write per slab, and waits until the socket accepted it. */
  async flush(): Promise<void> {
    if (this.used > 0) this.seal();
    const pieces = this.sealed;
    if (pieces.length === 0) return;
    this.sealed = [];
    this.sealedBytes = 0;
    this.gather = this.gather < FIRST_SEND_BYTES ? FIRST_SEND_BYTES : Math.min(SEND_GATHER_BYTES, this.gather * 2);
    for (const { bytes, slab } of pieces) {
      await writeToChannel(this.channel, bytes, slab === undefined ? undefined : () => this.giveBack(slab));
    }
  }

  /**
   * Room for `length` bytes: in the current slab when they fit, else in a fresh one after sealing
   * the current; a piece bigger than a slab gets a one-off buffer of its own. Returns the buffer,
   * and sets `at` to where the piece starts in it.
   */
  private reserve(length: number): Buffer {
    if (this.used + length > SLAB_BYTES) {
      if (this.used > 0) this.seal();
      if (length > SLAB_BYTES) {
        const own = Buffer.allocUnsafe(length);
        this.sealed.push({ bytes: own, slab: undefined });
        this.sealedBytes += length;
        this.at = 0;
        return own;
      }
    }
    this.slab ??= this.takeSlab();
    this.at = this.used;
    this.used += length;
    return this.slab;
  }

  /**
   * Gives back the last `length` bytes of the piece `reserve` just made room for. Only after a
   * piece of at most a slab, which always lies at the end of the current slab.
   */
  private unreserve(length: number): void {
    this.used -= length;
  }

  /** Called only with `used` > 0, so with a slab. */
  private seal(): void {
    const slab = this.slab as Buffer;
    this.sealed.push({ bytes: slab.subarray(0, this.used), slab });
    this.sealedBytes += this.used;
    this.slab = undefined;
    this.used = 0;
  }

  private takeSlab(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
  }

  /** A written slab back to the socket's spares; where memory is not reused (not a network socket) it is dropped. */
  private giveBack(slab: Buffer): void {
    if (this.channel.socket instanceof net.Socket && this.spare.length < SPARE_SLABS) this.spare.push(slab);
  }
}
