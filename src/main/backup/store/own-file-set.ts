import { randomBytes } from 'node:crypto';

/**
 * An exact set of file paths whose names live in typed arrays, outside the JavaScript heap, for
 * KnownTree's `ownFiles` (the run's own files, up to hundreds of thousands of them).
 *
 * Why not a Set<string>: 200,000 host paths held as strings were ~30 MB of live heap in a `huge`
 * full backup, and V8 lets the old generation grow to a few times what is live before it collects
 * (the garbage of the main thread's MoveItems renames piled up to ~130 MB there): the run's peak
 * RSS went from 166 MB to 381 MB (issue 16, bench/README.md). Here each name costs its own bytes
 * once, below `maxBytes` in all, and nothing the collector has to walk.
 *
 * Names are stored after `prefix` (the backup folder all of a run's files lie in), one byte per
 * character. A name that cannot be stored (a character above U+00FF, no room left, too many
 * collisions on its way) is simply not added: the caller's cache only forgets, which is always
 * safe there. Lookups compare every byte, so a name is never taken for another. Probing is
 * bounded (MAX_PROBES), so names crafted to collide cost a few comparisons each, not a walk of
 * the table; the hash is seeded per set for the same reason.
 */
export class OwnFileSet {
  private readonly prefix: string;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** Names, back to back (grown by doubling up to maxBytes); `used` bytes are taken, `dead` of them by deleted names. */
  private names: Uint8Array;
  private used = 0;
  private dead = 0;
  /** Open addressing: per slot the name's hash, its offset in `names` (EMPTY, DELETED) and length. */
  private hashes: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private live = 0;
  private deleted = 0;
  private readonly seed = randomBytes(4).readInt32LE(0);

  constructor(options: { readonly prefix?: string; readonly maxEntries: number; readonly maxBytes: number }) {
    this.prefix = options.prefix ?? '';
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes;
    this.names = new Uint8Array(Math.min(MIN_BYTES, this.maxBytes));
    [this.hashes, this.offsets, this.lengths] = emptyTable(MIN_SLOTS);
  }

  get size(): number {
    return this.live;
  }

  /** Bytes of names held (deleted ones until they are compacted away), at most `maxBytes`. */
  get bytesUsed(): number {
    return this.used;
  }

  has(file: string): boolean {
    const start = this.keyStart(file);
    if (start < 0) return false;
    const hash = this.hash(file, start);
    return hash !== undefined && this.find(file, start, hash) >= 0;
  }

  /** Adds `file`; false when it could not be stored (full, or a name it cannot hold). */
  add(file: string): boolean {
    const start = this.keyStart(file);
    if (start < 0) return false;
    const hash = this.hash(file, start);
    if (hash === undefined) return false;
    if (this.find(file, start, hash) >= 0) return true;
    const length = file.length - start;
    if (this.live >= this.maxEntries || !this.roomFor(length)) return false;
    // At most 5/8 of the slots in use (deleted ones count: they lengthen searches), so searches
    // stay short; a table more than half live doubles, else it is only cleared of deleted slots.
    const slots = this.offsets.length;
    if (8 * (this.live + this.deleted + 1) > 5 * slots) this.rehash(2 * (this.live + 1) > slots ? 2 * slots : slots);
    const slot = this.freeSlot(hash);
    if (slot < 0) return false;
    if (this.offsets[slot] === DELETED) this.deleted -= 1;
    for (let index = 0; index < length; index += 1) this.names[this.used + index] = file.charCodeAt(start + index);
    this.hashes[slot] = hash;
    this.offsets[slot] = this.used;
    this.lengths[slot] = length;
    this.used += length;
    this.live += 1;
    return true;
  }

  delete(file: string): boolean {
    const start = this.keyStart(file);
    if (start < 0) return false;
    const hash = this.hash(file, start);
    if (hash === undefined) return false;
    const slot = this.find(file, start, hash);
    if (slot < 0) return false;
    this.dead += this.lengths[slot] as number;
    this.offsets[slot] = DELETED;
    this.live -= 1;
    this.deleted += 1;
    return true;
  }

  clear(): void {
    this.names = new Uint8Array(Math.min(MIN_BYTES, this.maxBytes));
    [this.hashes, this.offsets, this.lengths] = emptyTable(MIN_SLOTS);
    this.used = 0;
    this.dead = 0;
    this.live = 0;
    this.deleted = 0;
  }

  /** Every name held, as given (for tests that compare the cache with the disk). */
  values(): string[] {
    const files: string[] = [];
    for (let slot = 0; slot < this.offsets.length; slot += 1) {
      const offset = this.offsets[slot] as number;
      if (offset >= 0) files.push(this.prefix + String.fromCharCode(...this.names.subarray(offset, offset + (this.lengths[slot] as number))));
    }
    return files;
  }

  /** Makes room for `length` more bytes of names within maxBytes: grows, or compacts when that wins back a good part. */
  private roomFor(length: number): boolean {
    while (this.used + length > this.names.length && this.names.length < this.maxBytes) {
      const grown = new Uint8Array(Math.min(this.maxBytes, 2 * this.names.length));
      grown.set(this.names.subarray(0, this.used));
      this.names = grown;
    }
    if (this.used + length <= this.names.length) return true;
    // Deleted names free their bytes only here.
    if (this.dead < this.names.length / 4) return false;
    this.compact();
    return this.used + length <= this.names.length;
  }

  /**
   * Where the stored part of `file` (after the prefix) starts, or -1 without the prefix. The key is
   * never cut out as a string of its own: a new string per lookup, hashed and compared once, is
   * what these lookups (three or four per file of a backup) cost most.
   */
  private keyStart(file: string): number {
    // lastIndexOf(prefix, 0), not startsWith: the same answer, but startsWith on a path just made
    // by concatenation (ConfinedPaths.resolve's base + rest, a V8 cons string) cost ~0.8 µs
    // against ~0.1 µs, once per new path (Node 20, 49,509 paths of ~160 characters).
    return file.lastIndexOf(this.prefix, 0) === 0 ? this.prefix.length : -1;
  }

  /**
   * FNV-1a of `file` from `start`, from a per-set seed, then murmur3's finaliser so the slot bits
   * depend on every byte; undefined when a character there does not fit in a byte (not stored).
   */
  private hash(file: string, start: number): number | undefined {
    let hash = 0x811c9dc5 ^ this.seed;
    for (let index = start; index < file.length; index += 1) {
      const code = file.charCodeAt(index);
      if (code > 0xff) return undefined;
      hash = Math.imul(hash ^ code, 0x01000193);
    }
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    return hash ^ (hash >>> 16);
  }

  /** The slot holding the key `file` has from `start`, or -1. */
  private find(file: string, start: number, hash: number): number {
    const mask = this.offsets.length - 1;
    const length = file.length - start;
    for (let probe = 0, slot = hash & mask; probe < MAX_PROBES; probe += 1, slot = (slot + probe) & mask) {
      const offset = this.offsets[slot] as number;
      if (offset === EMPTY) return -1;
      if (offset >= 0 && this.hashes[slot] === hash && this.lengths[slot] === length && this.sameBytes(offset, file, start, length)) return slot;
    }
    return -1;
  }

  /** The first empty or deleted slot on `hash`'s way (within MAX_PROBES), or -1. */
  private freeSlot(hash: number): number {
    const mask = this.offsets.length - 1;
    for (let probe = 0, slot = hash & mask; probe < MAX_PROBES; probe += 1, slot = (slot + probe) & mask) {
      if ((this.offsets[slot] as number) < 0) return slot;
    }
    return -1;
  }

  private sameBytes(offset: number, file: string, start: number, length: number): boolean {
    for (let index = 0; index < length; index += 1) if (this.names[offset + index] !== file.charCodeAt(start + index)) return false;
    return true;
  }

  /** A table of `slots` slots holding the live names again, without the deleted ones. */
  private rehash(slots: number): void {
    const [hashes, offsets, lengths] = [this.hashes, this.offsets, this.lengths];
    [this.hashes, this.offsets, this.lengths] = emptyTable(slots);
    this.deleted = 0;
    const mask = slots - 1;
    for (let old = 0; old < offsets.length; old += 1) {
      if ((offsets[old] as number) < 0) continue;
      let slot = (hashes[old] as number) & mask;
      // A bigger, emptier table: whatever fitted within MAX_PROBES before has room; a name that
      // still would not is dropped (forgotten), like one that found no slot when added.
      let probe = 0;
      while (this.offsets[slot] !== EMPTY && probe < MAX_PROBES) {
        probe += 1;
        slot = (slot + probe) & mask;
      }
      if (probe === MAX_PROBES) {
        this.live -= 1;
        this.dead += lengths[old] as number;
        continue;
      }
      this.hashes[slot] = hashes[old] as number;
      this.offsets[slot] = offsets[old] as number;
      this.lengths[slot] = lengths[old] as number;
    }
  }

  /** Moves the live names to the front of `names`, giving the deleted ones' bytes back. */
  private compact(): void {
    const order: number[] = [];
    for (let slot = 0; slot < this.offsets.length; slot += 1) if ((this.offsets[slot] as number) >= 0) order.push(slot);
    // In offset order, each name moves down (or stays), never over one not moved yet.
    order.sort((a, b) => (this.offsets[a] as number) - (this.offsets[b] as number));
    let at = 0;
    for (const slot of order) {
      const offset = this.offsets[slot] as number;
      const length = this.lengths[slot] as number;
      this.names.copyWithin(at, offset, offset + length);
      this.offsets[slot] = at;
      at += length;
    }
    this.used = at;
    this.dead = 0;
  }
}

/** Slot states below zero: never used (ends a search) and deleted (a search goes on past it). */
const EMPTY = -1;
const DELETED = -2;
const MIN_SLOTS = 1024;
const MIN_BYTES = 64 * 1024;
/** Slots a search looks at before it gives up (a lookup: not there; an add: not stored). */
const MAX_PROBES = 32;

function emptyTable(slots: number): [Int32Array, Int32Array, Int32Array] {
  return [new Int32Array(slots), new Int32Array(slots).fill(EMPTY), new Int32Array(slots)];
}
