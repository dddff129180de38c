import { once as eventOnce } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader, ReadBufferPool } from '../codec';
import { encodeStreamBlock, encodeStreamPath } from './device-link-download-stream';
import { DeviceLinkBlockCode, MAX_STREAM_NAME_BYTES } from './device-link-stream-format';
import { RemoteFileError, receiveFilesFromDevice } from './device-link-upload-stream';
import { ServiceError } from './service-error';
import { readerOver } from './test-support/reader-over';

function uploadEntry(deviceName: string, destination: string, ...blocks: Buffer[]): Buffer {
  return Buffer.concat([encodeStreamPath(deviceName), encodeStreamPath(destination), ...blocks]);
}

describe('DeviceLink device → host stream (§3.6.2)', () => {
  it('yields each file with its names and streamed content, then stops at u32 0', async () => {
    const stream = Buffer.concat([
      uploadEntry(
        'HomeDomain-Library/SMS/sms.db',
        'U/Snapshot/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28',
        encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('abc')),
        encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('def')),
        encodeStreamBlock(DeviceLinkBlockCode.SUCCESS),
      ),
      uploadEntry('Status', 'U/Status.plist', encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)),
      Buffer.alloc(4),
      Buffer.from('next message'),
    ]);
    const reader = readerOver(stream);
    const files: { name: string; destination: string; content: string }[] = [];
    for await (const file of receiveFilesFromDevice(reader)) {
      const parts: Buffer[] = [];
      for await (const chunk of file.chunks()) parts.push(chunk);
      files.push({ name: file.deviceName, destination: file.destinationPath, content: Buffer.concat(parts).toString() });
    }
    expect(files).toEqual([
      { name: 'HomeDomain-Library/SMS/sms.db', destination: 'U/Snapshot/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28', content: 'abcdef' },
      { name: 'Status', destination: 'U/Status.plist', content: '' },
    ]);
    expect((await reader.readExactly(12)).toString()).toBe('next message');
  });

  it('surfaces REMOTE_ERROR for one file and goes on with the next', async () => {
    const stream = Buffer.concat([
      uploadEntry('a', 'U/a', encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('12')), encodeStreamBlock(DeviceLinkBlockCode.REMOTE_ERROR, Buffer.from('disk on fire'))),
      uploadEntry('b', 'U/b', encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('ok')), encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)),
      Buffer.alloc(4),
    ]);
    const outcomes: string[] = [];
    for await (const file of receiveFilesFromDevice(readerOver(stream))) {
      try {
        let text = '';
        for await (const chunk of file.chunks()) text += chunk.toString();
        outcomes.push(`${file.destinationPath}=${text}`);
      } catch (error) {
        expect(error).toBeInstanceOf(RemoteFileError);
        const remote = error as RemoteFileError;
        outcomes.push(`${remote.destinationPath}!${remote.remoteMessage}@${remote.bytesReceived}`);
      }
    }
    expect(outcomes).toEqual(['U/a!disk on fire@2', 'U/b=ok']);
  });

  it('drains unread files and the rest of the stream when the consumer stops early', async () => {
    const stream = Buffer.concat([
      uploadEntry('a', 'U/a', encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.alloc(600 * 1024, 1)), encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)),
      uploadEntry('b', 'U/b', encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('x')), encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)),
      Buffer.alloc(4),
      Buffer.from('after'),
    ]);
    const reader = readerOver(stream);
    for await (const file of receiveFilesFromDevice(reader)) {
      // Stop inside the first (multi-piece) data block of the first file.
      for await (const chunk of file.chunks()) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      break;
    }
    expect((await reader.readExactly(5)).toString()).toBe('after');
  });

  it('refuses a name longer than 4096 bytes without waiting for it', async () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_STREAM_NAME_BYTES + 1, 0);
    const iterate = async (): Promise<void> => {
      for await (const _file of receiveFilesFromDevice(readerOver(header))) {
        // not reached
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'too-large' });
  });

  it('reports an unknown block code as a protocol error', async () => {
    const stream = uploadEntry('a', 'U/a', encodeStreamBlock(0x42, Buffer.from('?')));
    const iterate = async (): Promise<void> => {
      for await (const file of receiveFilesFromDevice(readerOver(stream))) {
        for await (const _chunk of file.chunks()) {
          // not reached
        }
      }
    };
    const error = await iterate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe('protocol');
  });

  it('says the connection closed when the stream ends mid-file', async () => {
    const stream = uploadEntry('a', 'U/a', Buffer.from([0, 0, 0, 9, DeviceLinkBlockCode.FILE_DATA, 1, 2]));
    const iterate = async (): Promise<void> => {
      for await (const file of receiveFilesFromDevice(readerOver(stream))) await file.skip();
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'connection-closed' });
  });
});

describe('DeviceLink upload stream: files already complete in memory (fast path)', () => {
  interface Seen {
    readonly name: string;
    readonly destination: string;
    readonly content: string;
    readonly remoteError?: string;
  }

  /** A stream with small, empty, multi-block and failed files, in a seeded order. */
  function mixedStream(seed: number): Buffer {
    let state = seed;
    const next = (limit: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % limit;
    };
    const entries: Buffer[] = [];
    for (let index = 0; index < 60; index += 1) {
      const blocks: Buffer[] = [];
      const kind = next(5);
      if (kind === 0) blocks.push(encodeStreamBlock(DeviceLinkBlockCode.SUCCESS));
      else if (kind === 1) blocks.push(encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('half')), encodeStreamBlock(DeviceLinkBlockCode.REMOTE_ERROR, Buffer.from('gone')));
      else {
        for (let block = 0; block < kind; block += 1) blocks.push(encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.alloc(next(3000), 97 + block)));
        blocks.push(encodeStreamBlock(DeviceLinkBlockCode.SUCCESS));
      }
      entries.push(uploadEntry(`Domain-${index}`, `U/Snapshot/${index.toString(16)}`, ...blocks));
    }
    return Buffer.concat([...entries, Buffer.alloc(4)]);
  }

  let wholeFiles = 0;

  async function parse(reader: ByteReader, stepwise: boolean): Promise<Seen[]> {
    const seen: Seen[] = [];
    for await (const file of receiveFilesFromDevice(reader)) {
      let content = '';
      try {
        const whole = stepwise ? undefined : file.withCompleteContent((pieces) => Buffer.concat(pieces).toString('latin1'));
        if (whole !== undefined) wholeFiles += 1;
        if (whole !== undefined) content = whole.value;
        else for await (const chunk of file.chunks()) content += chunk.toString('latin1');
        seen.push({ name: file.deviceName, destination: file.destinationPath, content });
      } catch (error) {
        if (!(error instanceof RemoteFileError)) throw error;
        seen.push({ name: file.deviceName, destination: file.destinationPath, content, remoteError: error.remoteMessage });
      }
    }
    return seen;
  }

  it('gives the same files whether the stream arrives at once or a few bytes at a time', async () => {
    for (const seed of [1, 2, 3]) {
      const bytes = mixedStream(seed);
      wholeFiles = 0;
      const atOnce = await parse(readerOver(bytes), false);
      expect(wholeFiles).toBeGreaterThan(30);
      const trickle = new PassThrough();
      const trickled = parse(new ByteReader(trickle), true);
      for (let offset = 0; offset < bytes.length; offset += 7) {
        trickle.write(bytes.subarray(offset, offset + 7));
        if (offset % 700 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      trickle.end();
      expect(atOnce).toHaveLength(60);
      expect(atOnce).toEqual(await trickled);
      expect(atOnce.filter((file) => file.remoteError === 'gone').length).toBeGreaterThan(0);
    }
  });

  it('still refuses an over-long name when the whole stream is buffered', async () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_STREAM_NAME_BYTES + 1, 0);
    await expect(parse(readerOver(Buffer.concat([header, Buffer.alloc(MAX_STREAM_NAME_BYTES + 1)])), false)).rejects.toBeInstanceOf(ServiceError);
  });
});

describe('DeviceLink upload stream over reused read memory', () => {
  /** Bytes that differ from file to file and block to block, so a reused slab would show. */
  function contentOf(index: number, size: number): Buffer {
    const content = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 1) content[offset] = (index * 7 + offset * 13 + (offset >> 15)) & 0xff;
    return content;
  }

  function entryOf(index: number, content: Buffer, failed: boolean): Buffer {
    const blocks: Buffer[] = [];
    for (let offset = 0; offset < content.length; offset += 32 * 1024) {
      blocks.push(encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, content.subarray(offset, offset + 32 * 1024)));
    }
    blocks.push(failed ? encodeStreamBlock(DeviceLinkBlockCode.REMOTE_ERROR, Buffer.from('gone')) : encodeStreamBlock(DeviceLinkBlockCode.SUCCESS));
    return uploadEntry(`D-${index}`, `U/${index}`, ...blocks);
  }

  it('waits for photos to arrive whole, lends them and the pieces of big files, and keeps every byte right while slabs are reused', async () => {
    const sizes = [0, 1200, 900_000, 3_100_000, 9 * 1024 * 1024, 17, 2_000_000, 64 * 1024, 1_500_000, 33_000, 4_000_000, 5];
    const expected = sizes.map((size, index) => contentOf(index, size));
    const failedIndex = 6;
    const stream = Buffer.concat([...expected.map((content, index) => entryOf(index, content, index === failedIndex)), Buffer.alloc(4)]);
    const server = net.createServer((connection) => {
      // Uneven pieces with pauses, as a phone's USB reads arrive.
      let offset = 0;
      const sendSome = (): void => {
        if (offset >= stream.length) return void connection.end();
        const size = 1 + ((offset * 2654435761) >>> 0) % (300 * 1024);
        connection.write(stream.subarray(offset, offset + size));
        offset += size;
        setTimeout(sendSome, offset % 3 === 0 ? 1 : 0);
      };
      sendSome();
    });
    server.listen(0, '127.0.0.1');
    await eventOnce(server, 'listening');
    const pool = new ReadBufferPool({ slabBytes: 256 * 1024 });
    const socket: net.Socket = net.connect({
      host: '127.0.0.1',
      port: (server.address() as net.AddressInfo).port,
      onread: { buffer: () => pool.nextReadTarget(), callback: (count, target) => socket.emit('data', pool.received(target, count)) || true },
    });
    try {
      const reader = new ByteReader(socket, 0, pool);
      const received: Array<Buffer | 'failed'> = [];
      let lent = 0;
      for await (const file of receiveFilesFromDevice(reader)) {
        const index = received.length;
        // Copied within the loan, as the file writer does; then the socket reads on.
        const whole = index % 2 === 0 ? file.withCompleteContent((pieces) => Buffer.concat(pieces)) : undefined;
        if (whole !== undefined) {
          lent += 1;
          received.push(whole.value);
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        const pieces: Buffer[] = [];
        // Most are lent (the engine copies them into its own buffers at once); some are copies.
        const lend = index % 4 !== 1;
        try {
          for await (const piece of lend ? file.lentPieces((lentPiece) => Buffer.from(lentPiece)) : file.chunks()) {
            pieces.push(piece);
            if (pieces.length % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          }
          received.push(Buffer.concat(pieces));
        } catch (error) {
          if (!(error instanceof RemoteFileError)) throw error;
          received.push('failed');
        }
      }
      expect(received).toHaveLength(sizes.length);
      received.forEach((content, index) => {
        if (index === failedIndex) expect(content).toBe('failed');
        else expect((content as Buffer).equals(expected[index] as Buffer), `file ${index}`).toBe(true);
      });
      // Every even file came whole but the failed one and the 9 MiB one (too big to wait for).
      expect(lent).toBe(4);
      // Memory stays bounded: the slabs one waiting 8 MiB record needs, plus the spares.
      expect(pool.slabCount).toBeLessThanOrEqual(36 + 16);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
