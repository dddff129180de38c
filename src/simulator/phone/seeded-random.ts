import { createCipheriv, createHash } from 'node:crypto';

/**
 * Deterministic randomness for the generated phone: the same seed and key always give the same
 * phone, on every machine, so tests and demos can rebuild a phone and compare it byte for byte.
 */

/** A 32-bit seed derived from any number of parts (seed, domain, path, version…). */
export function seedFor(...parts: readonly (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

/** sfc32: small, fast, and good enough for picking names and sizes. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...parts: readonly (string | number)[]) {
    const digest = createHash('sha256').update(parts.join('\u0000')).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('SeededRandom.pick needs at least one item.');
    return item;
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += this.int(0, 255).toString(16).padStart(2, '0');
    return out;
  }

  /** An upper-case RFC 4122-looking UUID, as iOS names containers. */
  uuid(): string {
    const h = this.hex(16).toUpperCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-A${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Pseudo-random bytes at any offset of an endless stream named by `key` (AES-256-CTR over zeros),
 * so a 4 GB generated file can be read from the middle without producing what comes before it.
 */
export function pseudoRandomBytes(key: string, offset: number, length: number): Buffer {
  const aesKey = createHash('sha256').update(key).digest();
  const block = Math.floor(offset / 16);
  const skip = offset - block * 16;
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-256-ctr', aesKey, iv);
  const total = skip + length;
  const parts: Buffer[] = [];
  let produced = 0;
  while (produced < total) {
    const n = Math.min(ZEROS.length, total - produced);
    parts.push(cipher.update(n === ZEROS.length ? ZEROS : ZEROS.subarray(0, n)));
    produced += n;
  }
  const all = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  return all.subarray(skip, skip + length);
}
