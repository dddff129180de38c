import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ReadTimeoutError, StreamClosedError } from './byte-reader';
import { FrameTooLargeError, encodePlistFrame, readPlistFrame } from './framing';

function feedInPieces(stream: PassThrough, bytes: Buffer, cuts: number[]): void {
  let start = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    stream.write(bytes.subarray(start, cut));
    start = cut;
  }
  stream.write(bytes.subarray(start));
}

describe('length-prefixed plist frames', () => {
  it('reads messages however the bytes are split or joined across chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        // bplist-parser drops a `__proto__` key (see plist-roundtrip.test.ts), so keys exclude it here.
        fc.array(fc.dictionary(fc.string().filter((key) => key !== '__proto__'), fc.oneof(fc.string(), fc.integer())), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(2000), { maxLength: 12 }),
        fc.constantFrom('xml' as const, 'binary' as const),
        async (messages, cuts, format) => {
          const stream = new PassThrough();
          const reader = new ByteReader(stream);
          feedInPieces(stream, Buffer.concat(messages.map((m) => encodePlistFrame(m, format))), cuts);
          for (const message of messages) expect(await readPlistFrame(reader)).toEqual(message);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a length above the cap before allocating it', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    stream.write(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    await expect(readPlistFrame(reader, 1024)).rejects.toBeInstanceOf(FrameTooLargeError);
  });

  it('fails a pending read with a typed error when the peer hangs up mid-message', async () => {
    const stream = new PassThrough();
    const reader = new ByteReader(stream);
    const read = readPlistFrame(reader);
    stream.write(Buffer.from([0, 0, 0, 50, 1, 2]));
    stream.end();
    await expect(read).rejects.toBeInstanceOf(StreamClosedError);
  });

  it('times out a read that gets no bytes', async () => {
    const reader = new ByteReader(new PassThrough());
    await expect(reader.readExactly(4, 30)).rejects.toBeInstanceOf(ReadTimeoutError);
  });

  it('hands buffered bytes over when the stream is detached for a TLS upgrade', async () => {
    const first = new PassThrough();
    const reader = new ByteReader(first);
    first.write(Buffer.from([1, 2, 3, 4, 5]));
    expect(Array.from(await reader.readExactly(2))).toEqual([1, 2]);
    expect(Array.from(reader.detach())).toEqual([3, 4, 5]);
    const second = new PassThrough();
    reader.reattach(second);
    second.write(Buffer.from([9]));
    expect(Array.from(await reader.readExactly(1))).toEqual([9]);
  });
});
