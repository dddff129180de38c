import net from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader';
import { POISON_BYTE, ReadBufferPool } from './read-buffer-pool';

/** What a socket with `onread` does: read into the pool's region, then hand on a view. */
function arrive(pool: ReadBufferPool, bytes: Buffer): Buffer {
  const target = pool.nextReadTarget();
  bytes.copy(target);
  return pool.received(target, bytes.length);
}

describe('ReadBufferPool', () => {
  it('reads into a slab again only once every byte in it was released', () => {
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024 });
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
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024 });
    const target = pool.nextReadTarget();
    expect(() => pool.received(Buffer.alloc(10), 10)).toThrow(/did not hand out/);
    const piece = pool.received(target, 10);
    expect(() => pool.release(piece, 11)).toThrow(/more bytes released/);
  });
});

describe('ByteReader over reused read memory', () => {
  it('hands out copies, so what a caller keeps survives the slab being read into again', async () => {
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024 });
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
    reader.lendBufferedPieces(100 * 1024, (lent) => {
      expect(lent.every((piece) => pool.owns(piece))).toBe(true);
      expect(Buffer.concat(lent).every((byte) => byte === 8)).toBe(true);
    });
  });

  it('lends with lendSome and copies with readSome, whether the bytes were buffered or awaited', async () => {
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024 });
    const stream = new PassThrough();
    const reader = new ByteReader(stream, 0, pool);
    stream.write(arrive(pool, Buffer.alloc(10_000, 1)));
    await new Promise((resolve) => setImmediate(resolve));
    const buffered = await reader.lendSome(4000, (piece) => ({ length: piece.length, owned: pool.owns(piece) }));
    expect(buffered).toEqual({ length: 4000, owned: true });
    const copied = await reader.readSome(100_000);
    expect(copied.length).toBe(6000);
    expect(pool.owns(copied)).toBe(false);
    // Nothing buffered: the next borrow waits for the socket and lends what arrives.
    const waiting = reader.lendSome(100_000, (piece) => ({ owned: pool.owns(piece), length: piece.length, twos: piece.every((byte) => byte === 2) }));
    stream.write(arrive(pool, Buffer.alloc(3000, 2)));
    expect(await waiting).toEqual({ owned: true, length: 3000, twos: true });
  });
});

describe('loans of reused read memory', () => {
  /** A reader over a pool with `bytes` buffered in it, as a socket with `onread` would leave them. */
  async function readerHolding(pool: ReadBufferPool, bytes: Buffer): Promise<{ reader: ByteReader; stream: PassThrough }> {
    const stream = new PassThrough();
    const reader = new ByteReader(stream, 0, pool);
    stream.write(arrive(pool, bytes));
    await new Promise((resolve) => setImmediate(resolve));
    return { reader, stream };
  }

  it('runs the test suite in the poisoning mode (vitest.config.ts), and the app without it', () => {
    expect(new ReadBufferPool().poisons).toBe(true);
    expect(new ReadBufferPool({ poison: false }).poisons).toBe(false);
  });

  it('poisons a piece kept past its loan, and a piece an async callback uses after an await', async () => {
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024, poison: true });
    const { reader } = await readerHolding(pool, Buffer.alloc(30_000, 5));
    let kept: Buffer | undefined;
    const sum = reader.lendBufferedPieces(10_000, (pieces) => {
      kept = pieces[0];
      return pieces.reduce((total, piece) => total + piece.length, 0);
    });
    expect(sum).toBe(10_000);
    expect(kept?.every((byte) => byte === POISON_BYTE)).toBe(true);
    // An async callback returns at its first await: what it reads after that is poison.
    const late = await reader.lendSome(10_000, async (piece) => {
      const before = piece[0];
      await new Promise((resolve) => setImmediate(resolve));
      return [before, piece[0]];
    });
    expect(late).toEqual([5, POISON_BYTE]);
    // What is still buffered, never lent, is untouched.
    expect(reader.takeBuffered(10_000).every((byte) => byte === 5)).toBe(true);
  });

  it('leaves lent bytes alone in a pool that does not poison (the app: no cost per byte)', async () => {
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024, poison: false });
    const { reader } = await readerHolding(pool, Buffer.alloc(10_000, 5));
    const kept = reader.lendBufferedPieces(10_000, (pieces) => pieces[0]);
    expect(kept?.every((byte) => byte === 5)).toBe(true);
  });

  it('never reads into a slab while a piece of it is lent, and poisons a slab that goes back for reuse', async () => {
    const pool = new ReadBufferPool({ slabBytes: 128 * 1024, poison: true });
    const { reader, stream } = await readerHolding(pool, Buffer.alloc(100 * 1024, 1));
    let firstSlab: ArrayBufferLike | undefined;
    const readInto: ArrayBufferLike[] = [];
    reader.lendBufferedPieces(100 * 1024, (pieces) => {
      firstSlab = pieces[0]?.buffer;
      // The socket reads on while the borrower still works (as if the borrower waited): every
      // region it gets must lie outside the lent slab.
      for (let round = 0; round < 6; round += 1) {
        const target = pool.nextReadTarget();
        readInto.push(target.buffer);
        stream.write(pool.received(target, 100 * 1024));
      }
      expect(pieces.every((piece) => piece.every((byte) => byte === 1))).toBe(true);
    });
    expect(readInto).not.toContain(firstSlab);
    // The loan is over and every byte of the first slab is released: it went back poisoned.
    expect(Buffer.from(firstSlab as ArrayBuffer).every((byte) => byte === POISON_BYTE)).toBe(true);
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
    const pool = new ReadBufferPool({ slabBytes: 256 * 1024 });
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
