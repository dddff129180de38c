import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader, ReadTimeoutError } from './byte-reader';
import { ReadBufferPool } from './read-buffer-pool';

/**
 * Big exact reads (a multi-megabyte device message) are copied into their result as the pieces
 * arrive, so the message is not held twice (the pieces, then the copy) before it is decoded (issue 13).
 */

const PIECE = 64 * 1024;

async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function pattern(size: number): Buffer {
  return crypto.randomBytes(size);
}

describe('ByteReader big exact reads', () => {
  it('keeps at most one piece buffered while a 4 MiB read fills, and returns the bytes intact', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    const message = pattern(4 * 1024 * 1024);
    const read = reader.readExactly(message.length);
    let mostBuffered = 0;
    for (let at = 0; at < message.length; at += PIECE) {
      stream.write(message.subarray(at, at + PIECE));
      await flushed();
      mostBuffered = Math.max(mostBuffered, reader.bufferedBytes);
    }
    expect((await read).equals(message)).toBe(true);
    expect(mostBuffered).toBeLessThanOrEqual(PIECE);
  });

  it('gives reused read memory back to the pool as it copies, so few slabs are in use', async () => {
    const stream = new PassThrough();
    const pool = new ReadBufferPool();
    const reader = new ByteReader(stream, 0, pool);
    const message = pattern(3 * 1024 * 1024 + 5);
    const read = reader.readExactly(message.length);
    for (let at = 0; at < message.length; ) {
      const region = pool.nextReadTarget();
      const count = Math.min(PIECE, message.length - at, region.length);
      message.copy(region, 0, at, at + count);
      stream.write(pool.received(region, count));
      at += count;
      await flushed();
    }
    expect((await read).equals(message)).toBe(true);
    // Held as pieces until the end, the 3 MiB would have needed four 1 MiB slabs.
    expect(pool.slabCount).toBeLessThanOrEqual(2);
  });

  it('puts what it gathered back when the read times out, so nothing is lost', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    const part = pattern(1536 * 1024);
    const read = reader.readExactly(2 * 1024 * 1024, 50).catch((error: unknown) => error);
    stream.write(part);
    expect(await read).toBeInstanceOf(ReadTimeoutError);
    expect(reader.bufferedBytes).toBe(part.length);
    expect((await reader.readExactly(part.length)).equals(part)).toBe(true);
  });
});
