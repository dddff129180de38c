import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader';

async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('ByteReader reads that do not copy', () => {
  it('peeks across pieces without consuming, then takes the pieces as views', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    const first = Buffer.from([0, 0, 0]);
    const second = Buffer.from([5, 1, 2, 3, 4, 5]);
    stream.write(first);
    stream.write(second);
    await flushed();
    expect(reader.peekUInt32BE(0)).toBe(5);
    expect(reader.peekByte(8)).toBe(5);
    expect(reader.peekByte(9)).toBeUndefined();
    expect(reader.peekUInt32BE(6)).toBeUndefined();
    reader.takeBuffered(4);
    const [whole, firstBuffer] = reader.lendBufferedPieces(5, (pieces) => [Buffer.concat(pieces), pieces[0]?.buffer] as const);
    expect(whole).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    // A view of the arrived piece, not a copy.
    expect(firstBuffer).toBe(second.buffer);
    expect(reader.bufferedBytes).toBe(0);
    expect(() => reader.takeBuffered(1)).toThrow(/buffered/);
  });

  it('skips buffered bytes and decodes names where they lie, or across pieces', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    const text = Buffer.from('Médias/ünï', 'utf8');
    // The second name's "ü" is cut in two by the piece boundary.
    const cut = text.indexOf(0xc3, 3);
    stream.write(Buffer.concat([Buffer.from([9, 9]), text.subarray(0, cut + 1)]));
    stream.write(Buffer.concat([text.subarray(cut + 1), Buffer.from('tail')]));
    await flushed();
    reader.skipBuffered(2);
    expect(reader.takeBufferedString(3)).toBe('Mé');
    expect(reader.takeBufferedString(text.length - 3)).toBe('dias/ünï');
    expect(reader.bufferedBytes).toBe(4);
    expect(() => reader.skipBuffered(5)).toThrow(/buffered/);
    reader.skipBuffered(4);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('readSome returns what is there, or waits for the next bytes', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    stream.write(Buffer.from('abcdef'));
    await flushed();
    expect((await reader.readSome(4)).toString()).toBe('abcd');
    expect((await reader.readSome(10)).toString()).toBe('ef');
    const waiting = reader.readSome(10);
    stream.write(Buffer.from('gh'));
    expect((await waiting).toString()).toBe('gh');
    stream.end();
    await expect(reader.readSome(1)).rejects.toThrow(/closed/);
  });
});

describe('ByteReader timeouts count silence', () => {
  it('does not time out a long read while bytes keep arriving, and does once they stop', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    // 10 bytes, one every 30 ms: 300 ms in all, twice the 150 ms timeout, never 150 ms of silence.
    let sent = 0;
    const timer = setInterval(() => {
      stream.write(Buffer.from([sent]));
      sent += 1;
      if (sent === 10) clearInterval(timer);
    }, 30);
    const bytes = await reader.readExactly(10, 150);
    expect([...bytes]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Half a read arrives, then nothing: the silence after the last byte is what counts.
    stream.write(Buffer.from([1, 2]));
    const started = performance.now();
    await expect(reader.readExactly(4, 100)).rejects.toThrow(/Nothing arrived for 100 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});
