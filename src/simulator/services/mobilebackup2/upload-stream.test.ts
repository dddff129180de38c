import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../phone/seeded-random';
import { BLOCK_CODE, FILE_BLOCK_BYTES, encodeBlock, encodeFileDataBlocks, encodeStreamEnd, encodeUploadHeader } from './file-stream';
import { UPLOAD_FLUSH_BYTES, UploadStreamWriter } from './upload-stream';

async function* fromBuffers(buffers: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* buffers;
}

/** What the per-piece encoders give for the same files: the stream the writer must reproduce. */
async function reference(files: ReadonlyArray<{ name: string; path: string; chunks: Buffer[]; error?: string }>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(encodeUploadHeader(file.name, file.path));
    for await (const block of encodeFileDataBlocks(fromBuffers(file.chunks))) parts.push(block);
    parts.push(file.error === undefined ? encodeBlock(BLOCK_CODE.success) : encodeBlock(BLOCK_CODE.remoteError, Buffer.from(file.error)));
  }
  parts.push(encodeStreamEnd());
  return Buffer.concat(parts);
}

describe('UploadStreamWriter', () => {
  it('writes exactly the bytes of the per-piece encoders, in few large writes', async () => {
    const random = new SeededRandom('upload-stream-test');
    const files = Array.from({ length: 300 }, (_, index) => {
      const size = index % 50 === 0 ? random.int(0, 3 * FILE_BLOCK_BYTES + 17) : random.int(0, 16_384);
      const content = Buffer.alloc(size, index % 251);
      const cut = random.int(0, size);
      return {
        name: `AppDomain-com.example-Documents/ünïcode ${index}.txt`,
        path: `UDID/Snapshot/${index.toString(16).padStart(2, '0')}/${'f'.repeat(40)}`,
        chunks: [content.subarray(0, cut), content.subarray(cut)],
        ...(index % 97 === 5 ? { error: `Error reading file ${index}: gone` } : {}),
      };
    });
    const writes: Buffer[] = [];
    let calls = 0;
    const stream = new UploadStreamWriter(async (pieces) => {
      calls += 1;
      writes.push(...pieces); // kept as handed over: the writer must never reuse a sent buffer
    });
    for (const file of files) {
      stream.fileHeader(file.name, file.path);
      for (const chunk of file.chunks) {
        stream.fileData(chunk);
        if (stream.isFull) await stream.flush();
      }
      if (file.error === undefined) stream.endBlock(BLOCK_CODE.success);
      else stream.endBlock(BLOCK_CODE.remoteError, Buffer.from(file.error));
    }
    stream.streamEnd();
    await stream.flush();

    const expected = await reference(files);
    expect(Buffer.concat(writes).equals(expected)).toBe(true);
    expect(calls).toBeLessThanOrEqual(Math.ceil(expected.length / UPLOAD_FLUSH_BYTES) * 2 + 1);
    // Big content spans go out from the file's own memory, not copied.
    const sources = new Set<ArrayBufferLike>(files.flatMap((file) => file.chunks.map((chunk) => chunk.buffer)));
    expect(writes.some((piece) => sources.has(piece.buffer))).toBe(true);
  });

  it('handles a name longer than its buffer', async () => {
    const writes: Buffer[] = [];
    const stream = new UploadStreamWriter(async (pieces) => {
      writes.push(...pieces); // kept as handed over: the writer must never reuse a sent buffer
    });
    const long = 'x'.repeat(UPLOAD_FLUSH_BYTES + 10);
    stream.fileHeader(long, 'short');
    stream.endBlock(BLOCK_CODE.success);
    stream.streamEnd();
    await stream.flush();
    expect(Buffer.concat(writes).equals(await reference([{ name: long, path: 'short', chunks: [] }]))).toBe(true);
  });
});
