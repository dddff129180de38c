/**
 * The fuzzer's only source of randomness: a small seeded generator (mulberry32), so every case is
 * reproducible from (seed, case number) alone and a worker needs nothing but those two numbers.
 */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for case `index` of a run: independent of how many numbers earlier cases drew. */
  static forCase(seed: number, family: string, index: number): FuzzRandom {
    let hash = (seed ^ 0x9e3779b9) >>> 0;
    for (const char of `${family}:${index}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    return new FuzzRandom(hash);
  }

  /** Uniform in [0, 2^32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, limit). */
  int(limit: number): number {
    return limit <= 1 ? 0 : this.next() % limit;
  }

  chance(probability: number): boolean {
    return this.next() / 0x1_0000_0000 < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  bytes(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let index = 0; index < length; index += 1) bytes[index] = this.next() & 0xff;
    return bytes;
  }
}
