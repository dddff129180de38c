/**
 * Random-access content of a phone file. Generated files never exist in full: a reader asks for
 * a window and the bytes are produced on the spot (protocol.md §8.2, large profile).
 */
export interface ContentSource {
  readonly size: number;
  readAt(offset: number, length: number): Buffer;
}

export function bufferSource(bytes: Buffer): ContentSource {
  return {
    size: bytes.length,
    readAt: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** Glues consecutive regions into one source; each region answers reads relative to its start. */
export function concatSources(parts: readonly ContentSource[]): ContentSource {
  const starts: number[] = [];
  let size = 0;
  for (const part of parts) {
    starts.push(size);
    size += part.size;
  }
  return {
    size,
    readAt(offset, length) {
      const end = Math.min(size, offset + length);
      const pieces: Buffer[] = [];
      parts.forEach((part, index) => {
        const start = starts[index] ?? 0;
        const from = Math.max(offset, start);
        const to = Math.min(end, start + part.size);
        if (from < to) pieces.push(part.readAt(from - start, to - from));
      });
      return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
    },
  };
}

/** A tiny least-recently-used cache for content that is costly to build (encoded JPEGs, plists). */
export class SmallCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  getOrCreate(key: string, create: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const value = create();
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return value;
  }
}
