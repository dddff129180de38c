/**
 * Memory for socket reads that is used again once its bytes are consumed.
 *
 * Why: a socket read normally lands in a new 64 KiB buffer. A backup moves gigabytes, and V8
 * answers that much fresh buffer memory with a full garbage collection every few tens of
 * megabytes (about 280 of them for a 7.5 GB backup, most of the engine's spare CPU; see
 * bench/README.md). With Node's `onread` option the socket reads into regions of a few slabs
 * taken from here instead, and ByteReader gives each region back as it consumes the bytes.
 *
 * Safety rule: a slab is read into again only when every byte the socket put in it has been
 * released by the reader. ByteReader copies whatever it hands out, except for pieces it lends, and
 * it lends only to a synchronous callback (`lendBufferedPieces`, `lendSome`): the loan ends when
 * the callback returns, and only then are the bytes released. Code cannot wait for anything while
 * holding lent memory, so no rule in a comment has to be remembered by the layers above.
 *
 * Poisoning (`poison`, on in the test suite through LIFEBOAT_POISON_LENT_MEMORY=1): when a loan
 * ends the lent bytes are overwritten, and so is a whole slab when it goes back for reuse, so a
 * piece kept past its callback (stored, or used after an `await` inside an async callback) reads
 * as POISON_BYTE at once instead of as whatever the socket happens to put there later.
 */
export interface ReadBufferReleaser {
  /** `count` bytes of `piece` (a view of a slab this pool lent to the socket) are consumed. */
  release(piece: Uint8Array, count: number): void;
  /** Whether `piece` lies in memory of this pool, which will be read into again. */
  owns(piece: Uint8Array): boolean;
  /** A loan of `pieces` is over (just before they are released): the pool may poison them. */
  endLoan(pieces: readonly Uint8Array[]): void;
}

/** What poisoned memory reads as: 0xDB ("dead buffer"), unlikely to pass as a real file's bytes. */
export const POISON_BYTE = 0xdb;

/** Whether pools poison by default: the test suite's mode (vitest.config.ts), never the app's. */
function poisonsLentMemoryByDefault(): boolean {
  return process.env.LIFEBOAT_POISON_LENT_MEMORY === '1';
}

interface ReadBufferPoolOptions {
  readonly slabBytes?: number;
  /** Overwrite lent bytes when their loan ends and slabs when they are reused (see above). */
  readonly poison?: boolean;
}

interface Slab {
  readonly memory: Buffer;
  /** Bytes the socket put here that the reader has not released yet. */
  outstanding: number;
}

/** Slab size: a handful cover the reader's high-water mark, and regions stay large. */
const SLAB_BYTES = 1024 * 1024;
/** A read gets at least this much room; the rest of a fuller slab is skipped. */
const MIN_READ_BYTES = 64 * 1024;
/** Idle slabs kept for reuse; more than this are left to the garbage collector. */
const MAX_SPARE_SLABS = 16;

export class ReadBufferPool implements ReadBufferReleaser {
  private readonly slabs = new Map<ArrayBufferLike, Slab>();
  private readonly spare: Slab[] = [];
  private current: Slab;
  /** Where the next read goes in the current slab. */
  private offset = 0;

  private readonly slabBytes: number;
  private readonly poison: boolean;

  constructor(options: ReadBufferPoolOptions = {}) {
    this.slabBytes = options.slabBytes ?? SLAB_BYTES;
    this.poison = options.poison ?? poisonsLentMemoryByDefault();
    this.current = this.newSlab();
  }

  /** Whether this pool overwrites memory whose loan ended (for tests to check their mode). */
  get poisons(): boolean {
    return this.poison;
  }

  /** The region the socket reads into next (Node's `onread.buffer`). */
  nextReadTarget(): Buffer {
    if (this.slabBytes - this.offset < Math.min(MIN_READ_BYTES, this.slabBytes)) this.moveToNextSlab();
    return this.current.memory.subarray(this.offset, this.slabBytes);
  }

  /** The socket put `count` bytes at the start of `target` (Node's `onread.callback`): a view of them. */
  received(target: Uint8Array, count: number): Buffer {
    const slab = this.slabs.get(target.buffer);
    if (slab !== this.current || target.byteOffset !== this.current.memory.byteOffset + this.offset) {
      throw new Error('ReadBufferPool: bytes arrived in a region this pool did not hand out last.');
    }
    slab.outstanding += count;
    this.offset += count;
    return slab.memory.subarray(this.offset - count, this.offset);
  }

  release(piece: Uint8Array, count: number): void {
    const slab = this.slabs.get(piece.buffer);
    if (slab === undefined) return;
    slab.outstanding -= count;
    if (slab.outstanding < 0) throw new Error('ReadBufferPool: more bytes released than were read.');
    if (slab.outstanding === 0 && slab !== this.current) this.retire(slab);
  }

  owns(piece: Uint8Array): boolean {
    return this.slabs.has(piece.buffer);
  }

  endLoan(pieces: readonly Uint8Array[]): void {
    if (!this.poison) return;
    for (const piece of pieces) if (this.owns(piece)) piece.fill(POISON_BYTE);
  }

  /** Slabs in use or spare (for tests and the benchmark's memory notes). */
  get slabCount(): number {
    return this.slabs.size;
  }

  private moveToNextSlab(): void {
    const previous = this.current;
    this.current = this.spare.pop() ?? this.newSlab();
    this.offset = 0;
    if (previous.outstanding === 0) this.retire(previous);
  }

  private retire(slab: Slab): void {
    if (this.poison) slab.memory.fill(POISON_BYTE);
    if (this.spare.length < MAX_SPARE_SLABS) {
      this.spare.push(slab);
    } else {
      this.slabs.delete(slab.memory.buffer);
    }
  }

  private newSlab(): Slab {
    // Its own ArrayBuffer (not Node's shared pool), so a slab is known by its memory.
    const slab: Slab = { memory: Buffer.allocUnsafeSlow(this.slabBytes), outstanding: 0 };
    this.slabs.set(slab.memory.buffer, slab);
    return slab;
  }
}
