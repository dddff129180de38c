import net from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader';
import { ReadBufferPool } from './read-buffer-pool';

/** What a socket with `onread` does: read into the pool's region, then hand on a view. */
function arrive(pool: ReadBufferPool, bytes: Buffer): Buffer {
  const target = pool.nextReadTarget();
  bytes.copy(target);
  return pool.received(target, bytes.length);
}

describe('ReadBufferPool', () => {
  it('reads into a slab again only once every byte in it was released', () => {
    const pool = new ReadBufferPool(128 * 1024);
    const first = arrive(pool, Buffer.alloc(100 * 1024, 1));
    // Less than 64 KiB is left: the next read goes to a new slab, the first is still held.
    const second = arrive(pool, Buffer.alloc(100 * 1024, 2));
    expect(second.buffer).not.toBe(first.buffer);
    pool.release(first, 50 * 1024);
    const third = arrive(pool, Buffer.alloc(100 * 1024, 3));
    expect(third.buffer).not.toBe(first.buffer);
    expect(first.every((byte) => byte === 1)).toBe(true);
    pool.release(first, 50 * 1024);
    // Now the first slab is free and is the next one read into.
    pool.release(second, second.length);
    const fourth = arrive(pool, Buffer.alloc(100 * 1024, 4));
    expect([first.buffer, second.buffer]).toContain(fourth.buffer);
    expect(pool.slabCount).toBe(3);
  });

  it('refuses bytes that arrive somewhere it did not hand out, and over-release', () => {
    const pool = new ReadBufferPool(128 * 1024);
    const target = pool.nextReadTarget();
    expect(() => pool.received(Buffer.alloc(10), 10)).toThrow(/did not hand out/);
    const piece = pool.received(target, 10);
    expect(() => pool.release(piece, 11)).toThrow(/more bytes released/);
  });
});

describe('ByteReader over reused read memory', () => {
  it('hands out copies, so what a caller keeps survives the slab being read into again', async () => {
    const pool = new ReadBufferPool(128 * 1024);
    const stream = new PassThrough();
    const reader = new ByteReader(stream, 0, pool);
    const pushed = async (bytes: Buffer): Promise<void> => {
      stream.write(arrive(pool, bytes));
      await new Promise((resolve) => setImmediate(resolve));
    };
    await pushed(Buffer.alloc(100 * 1024, 7));
    const kept = reader.takeBuffered(100 * 1024);
    expect(pool.owns(kept)).toBe(false);
    // The slab is free again; fill it with other bytes and check the copy did not change.
    await pushed(Buffer.alloc(100 * 1024, 8));
    await pushed(Buffer.alloc(100 * 1024, 9));
    expect(kept.every((byte) => byte === 7)).toBe(true);
    const lent = reader.borrowBufferedPieces(100 * 1024);
    expect(lent.every((piece) => pool.owns(piece))).toBe(true);
    expect(Buffer.concat(lent).every((byte) => byte === 8)).toBe(true);
  });

  it('lends with borrowSome and copies with readSome, whether the bytes were buffered or awaited', async () => {
    const pool = new ReadBufferPool(128 * 1024);
    const stream = new PassThrough();
    const reader = new ByteReader(stream, 0, pool);
    stream.write(arrive(pool, Buffer.alloc(10_000, 1)));
    await new Promise((resolve) => setImmediate(resolve));
    const buffered = await reader.borrowSome(4000);
    expect(buffered.length).toBe(4000);
    expect(pool.owns(buffered)).toBe(true);
    const copied = await reader.readSome(100_000);
    expect(copied.length).toBe(6000);
    expect(pool.owns(copied)).toBe(false);
    // Nothing buffered: the next borrow waits for the socket and lends what arrives.
    const waiting = reader.borrowSome(100_000);
    stream.write(arrive(pool, Buffer.alloc(3000, 2)));
    const awaited = await waiting;
    expect(pool.owns(awaited)).toBe(true);
    expect(awaited.length).toBe(3000);
    expect(awaited.every((byte) => byte === 2)).toBe(true);
  });
});

describe('a socket reading into the pool (Node onread)', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('delivers a long stream intact through reused slabs, with pauses and copies kept across awaits', async () => {
    const total = 6 * 1024 * 1024 + 123;
    const sent = Buffer.alloc(total);
    for (let index = 0; index < total; index += 1) sent[index] = (index * 31 + (index >> 12)) & 0xff;
    const server = net.createServer((connection) => {
      connection.end(sent);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const pool = new ReadBufferPool(256 * 1024);
    const socket: net.Socket = net.connect({
      host: '127.0.0.1',
      port,
      onread: { buffer: () => pool.nextReadTarget(), callback: (count, target) => socket.emit('data', pool.received(target, count)) || true },
    });
    closers.push(() => socket.destroy());
    const reader = new ByteReader(socket, 0, pool);
    const kept: Buffer[] = [];
    let received = 0;
    while (received < total) {
      const piece = await reader.readSome(Math.min(200 * 1024, total - received));
      kept.push(piece);
      received += piece.length;
      // Give the socket time to read on (into freed slabs) while copies are held.
      if (kept.length % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(Buffer.concat(kept).equals(sent)).toBe(true);
    // Six megabytes went through a handful of 256 KiB slabs.
    expect(pool.slabCount).toBeLessThanOrEqual(17);
  });
});
