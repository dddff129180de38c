import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../../main/device/codec';
import {
  BLOCK_CODE,
  DownloadStreamReader,
  FILE_BLOCK_BYTES,
  encodeBlock,
  encodeFileDataBlocks,
  encodeLengthPrefixed,
  encodeStreamEnd,
} from './file-stream';

async function* fromBuffers(...buffers: Buffer[]): AsyncGenerator<Buffer> {
  yield* buffers;
}

describe('DeviceLink raw file streams', () => {
  it('encodes one 5-byte file and the end marker exactly like the protocol.md §8.4 vector', async () => {
    const parts: Buffer[] = [encodeLengthPrefixed('U/Status.plist')];
    for await (const block of encodeFileDataBlocks(fromBuffers(Buffer.from('hello')))) parts.push(block);
    parts.push(encodeBlock(BLOCK_CODE.success), encodeStreamEnd());
    expect(Buffer.concat(parts).toString('hex')).toBe(
      '0000000e552f5374617475732e706c697374' + '000000060c68656c6c6f' + '0000000100' + '00000000',
    );
  });

  it('splits content into blocks of at most 32 KiB without losing bytes', async () => {
    const content = Buffer.alloc(FILE_BLOCK_BYTES * 2 + 7, 0xab);
    const blocks: Buffer[] = [];
    for await (const block of encodeFileDataBlocks(fromBuffers(content.subarray(0, 100), content.subarray(100)))) blocks.push(block);
    const payloads = blocks.map((block) => {
      expect(block.readUInt32BE(0)).toBe(block.length - 4);
      expect(block[4]).toBe(BLOCK_CODE.fileData);
      return block.subarray(5);
    });
    expect(Math.max(...payloads.map((p) => p.length))).toBeLessThanOrEqual(FILE_BLOCK_BYTES);
    expect(Buffer.concat(payloads).equals(content)).toBe(true);
  });

  it('decodes a download stream with data, an empty file and a host error, split at odd byte boundaries', async () => {
    const wire = Buffer.concat([
      encodeLengthPrefixed('U/a'),
      encodeBlock(BLOCK_CODE.fileData, Buffer.from('abc')),
      encodeBlock(BLOCK_CODE.fileData, Buffer.from('de')),
      encodeBlock(BLOCK_CODE.success),
      encodeLengthPrefixed('U/empty'),
      encodeBlock(BLOCK_CODE.success),
      encodeLengthPrefixed('U/missing'),
      encodeBlock(BLOCK_CODE.localError, Buffer.from('No such file or directory')),
      encodeStreamEnd(),
    ]);
    const socket = new PassThrough();
    const stream = new DownloadStreamReader(new ByteReader(socket));
    for (let i = 0; i < wire.length; i += 3) socket.write(wire.subarray(i, i + 3));

    const seen: Array<{ path: string; data: string; error?: string }> = [];
    for (let path = await stream.nextPath(); path !== undefined; path = await stream.nextPath()) {
      let data = '';
      let error: string | undefined;
      for (;;) {
        const block = await stream.nextBlock();
        if (block.kind === 'data') data += block.bytes.toString();
        else {
          if (block.kind === 'error') error = block.message;
          break;
        }
      }
      seen.push({ path, data, ...(error ? { error } : {}) });
    }
    expect(seen).toEqual([
      { path: 'U/a', data: 'abcde' },
      { path: 'U/empty', data: '' },
      { path: 'U/missing', data: '', error: 'No such file or directory' },
    ]);
  });
});
