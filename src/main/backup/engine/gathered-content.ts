/**
 * Memory for uploads that do not arrive whole in the socket's buffers (videos, and any file the
 * fast path could not take). Their pieces are lent from reused read memory (IncomingFile.lentPieces),
 * so each is copied once, within its loan, into these buffers, which are written from and
 * then used again. Before, every piece was copied into a fresh buffer, and V8 answered the
 * gigabyte of new memory per large backup with about a hundred full collections (bench/README.md).
 */

/** Gathering buffers are this big: the size of one write of a streamed file. */
export const GATHER_BUFFER_BYTES = 1024 * 1024;
/** Spare buffers kept for the next file: a whole-file candidate (8 MiB) and a write in flight fit. */
const MAX_SPARE_BUFFERS = 12;

/** The spare gathering buffers of one backup run. */
export class GatherBuffers {
  private readonly spare: Buffer[] = [];

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(GATHER_BUFFER_BYTES);
  }

  giveBack(buffers: readonly Buffer[]): void {
    for (const buffer of buffers) if (this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(buffer);
  }

  get spareCount(): number {
    return this.spare.length;
  }
}

/** A run of gathered bytes, taken out to be written; give `buffers` back once the write is done. */
interface GatheredPieces {
  /** The bytes, in order (the last piece may fill only part of its buffer). */
  readonly pieces: readonly Buffer[];
  readonly bytes: number;
  /** The whole buffers behind `pieces`. */
  readonly buffers: readonly Buffer[];
}

/** One file's bytes not yet written: full buffers, then the one being filled. */
export class GatheredContent {
  private readonly buffers: Buffer[] = [];
  /** Bytes used in the last buffer. */
  private lastUsed = 0;
  private gathered = 0;

  constructor(private readonly memory: GatherBuffers) {}

  /** Bytes gathered and not yet taken. */
  get bytes(): number {
    return this.gathered;
  }

  /** Whether at least one buffer is full (a streamed file writes whole buffers as they fill). */
  get hasFullBuffer(): boolean {
    return this.buffers.length > 1 || (this.buffers.length === 1 && this.lastUsed === GATHER_BUFFER_BYTES);
  }

  /** Copies `piece` in (after this the caller's memory, lent or not, is no longer needed); returns its length. */
  append(piece: Uint8Array): number {
    let offset = 0;
    while (offset < piece.length) {
      let last = this.buffers.at(-1);
      if (last === undefined || this.lastUsed === GATHER_BUFFER_BYTES) {
        last = this.memory.take();
        this.buffers.push(last);
        this.lastUsed = 0;
      }
      const count = Math.min(piece.length - offset, GATHER_BUFFER_BYTES - this.lastUsed);
      last.set(piece.subarray(offset, offset + count), this.lastUsed);
      this.lastUsed += count;
      offset += count;
    }
    this.gathered += piece.length;
    return piece.length;
  }

  /** Everything gathered, as views, without taking it: valid until `takeAll` or `release`. */
  views(): Buffer[] {
    return this.buffers.map((buffer, index) => (index === this.buffers.length - 1 ? buffer.subarray(0, this.lastUsed) : buffer));
  }

  /** Takes out the full buffers; a partly filled last one stays to be filled further. */
  takeFull(): GatheredPieces {
    const fullCount = this.lastUsed === GATHER_BUFFER_BYTES ? this.buffers.length : this.buffers.length - 1;
    if (fullCount <= 0) return { pieces: [], bytes: 0, buffers: [] };
    const buffers = this.buffers.splice(0, fullCount);
    if (this.buffers.length === 0) this.lastUsed = 0;
    const bytes = buffers.length * GATHER_BUFFER_BYTES;
    this.gathered -= bytes;
    return { pieces: buffers, bytes, buffers };
  }

  /** Takes out everything gathered. */
  takeAll(): GatheredPieces {
    const pieces = this.views();
    const buffers = this.buffers.splice(0);
    const bytes = this.gathered;
    this.lastUsed = 0;
    this.gathered = 0;
    return { pieces, bytes, buffers };
  }

  /** Gives every buffer still held back to the run's spares. */
  release(): void {
    this.memory.giveBack(this.takeAll().buffers);
  }
}
