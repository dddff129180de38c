import { randomBytes } from 'node:crypto';
import { once as eventOnce } from 'node:events';
import fs from 'node:fs';
import fsPromises, { type FileHandle } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteReader, ReadBufferPool } from '../codec';
import {
  DOWNLOAD_BLOCK_BYTES,
  DeviceLinkBlockCode,
  MAX_STREAM_NAME_BYTES,
  RemoteFileError,
  encodeStreamBlock,
  encodeStreamPath,
  receiveFilesFromDevice,
  sendFilesToDevice,
} from './device-link-streams';
import type { ServiceChannel } from './service-channel';
import { ServiceError } from './service-error';
import { channelPair } from './test-support/channel-pair';

/** Collects everything the host writes until the channel is closed. */
async function sentBytes(run: (pair: ReturnType<typeof channelPair>) => Promise<void>): Promise<Buffer> {
  const pair = channelPair();
  const received: Buffer[] = [];
  pair.peer.socket.on('data', (chunk: Buffer) => received.push(chunk));
  await run(pair);
  await new Promise((resolve) => setImmediate(resolve));
  pair.host.close();
  return Buffer.concat(received);
}

function readerOver(bytes: Buffer): ByteReader {
  const stream = new PassThrough();
  const reader = new ByteReader(stream);
  stream.end(bytes);
  return reader;
}

async function* once(...chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

function uploadEntry(deviceName: string, destination: string, ...blocks: Buffer[]): Buffer {
  return Buffer.concat([encodeStreamPath(deviceName), encodeStreamPath(destination), ...blocks]);
}

describe('DeviceLink host → device stream (§3.6.1)', () => {
  it('writes exactly the §8.4 test vector for one 5-byte file', async () => {
    const bytes = await sentBytes(async ({ host }) => {
      const result = await sendFilesToDevice(host, ['U/Status.plist'], () => once(Buffer.from('hello')));
      expect(result).toEqual({ filesSent: 1, bytesSent: 5, failures: [] });
    });
    expect(bytes.toString('hex')).toBe('0000000e552f5374617475732e706c69737400000006' + '0c68656c6c6f' + '0000000100' + '00000000');
  });

  it('ends an empty path list with the four zero bytes a restore waits for', async () => {
    const bytes = await sentBytes(async ({ host }) => {
      await sendFilesToDevice(host, [], () => once());
    });
    expect(bytes.toString('hex')).toBe('00000000');
  });

  it('sends a missing file as LOCAL_ERROR and reports it for the multi-status', async () => {
    const missing = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    const bytes = await sentBytes(async ({ host }) => {
      const result = await sendFilesToDevice(host, ['U/a', 'U/b'], (path) => {
        if (path === 'U/a') throw missing;
        return once(Buffer.alloc(0));
      });
      expect(result.failures).toEqual([{ path: 'U/a', message: 'No such file or directory', error: missing }]);
      expect(result.filesSent).toBe(1);
    });
    const expected = Buffer.concat([
      encodeStreamPath('U/a'),
      encodeStreamBlock(DeviceLinkBlockCode.LOCAL_ERROR, Buffer.from('No such file or directory')),
      encodeStreamPath('U/b'),
      encodeStreamBlock(DeviceLinkBlockCode.SUCCESS),
      Buffer.alloc(4),
    ]);
    expect(bytes.equals(expected)).toBe(true);
  });

  it('re-chunks large sources into 32 KiB FILE_DATA blocks', async () => {
    const content = Buffer.alloc(DOWNLOAD_BLOCK_BYTES * 2 + 100, 7);
    const bytes = await sentBytes(async ({ host }) => {
      await sendFilesToDevice(host, ['U/big'], () => once(content.subarray(0, 1000), content.subarray(1000)));
    });
    const reader = readerOver(bytes);
    expect((await reader.readExactly(await reader.readUInt32BE())).toString()).toBe('U/big');
    const blockSizes: number[] = [];
    for (;;) {
      const length = await reader.readUInt32BE();
      const block = await reader.readExactly(length);
      if (block[0] === DeviceLinkBlockCode.SUCCESS) break;
      expect(block[0]).toBe(DeviceLinkBlockCode.FILE_DATA);
      blockSizes.push(length - 1);
    }
    expect(blockSizes.every((size) => size <= DOWNLOAD_BLOCK_BYTES)).toBe(true);
    expect(blockSizes.reduce((a, b) => a + b, 0)).toBe(content.length);
    expect(await reader.readUInt32BE()).toBe(0);
  });

  it('gathers the stream into few socket writes: 500 small files and a 3 MiB one, not a write per block or file', async () => {
    const small = Array.from({ length: 500 }, (_, index) => `U/${String(index).padStart(3, '0')}`);
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 9);
    let writes = 0;
    const bytes = await sentBytes(async ({ host }) => {
      const write = host.socket.write.bind(host.socket) as (...args: unknown[]) => boolean;
      host.socket.write = ((...args: unknown[]) => {
        writes += 1;
        return write(...args);
      }) as typeof host.socket.write;
      // A source that reuses one buffer for every chunk: what was sent must not change with it.
      const reused = Buffer.alloc(4);
      const result = await sendFilesToDevice(host, [...small, 'U/big'], (path) => {
        if (path === 'U/big') return once(big.subarray(0, 1024 * 1024), big.subarray(1024 * 1024));
        return (async function* () {
          reused.write(path.slice(-4).padStart(4, '0'));
          yield reused;
        })();
      });
      expect(result.bytesSent).toBe(500 * 4 + big.length);
    });
    expect(writes).toBeLessThanOrEqual(6);
    const expected = Buffer.concat([
      ...small.flatMap((path) => [encodeStreamPath(path), encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from(path.slice(-4).padStart(4, '0'))), encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)]),
      encodeStreamPath('U/big'),
      ...Array.from({ length: Math.ceil(big.length / DOWNLOAD_BLOCK_BYTES) }, (_, index) => encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, big.subarray(index * DOWNLOAD_BLOCK_BYTES, (index + 1) * DOWNLOAD_BLOCK_BYTES))),
      encodeStreamBlock(DeviceLinkBlockCode.SUCCESS),
      Buffer.alloc(4),
    ]);
    expect(bytes.equals(expected)).toBe(true);
  });
});

describe('DeviceLink host → device stream of an open file, read in place (§3.6.1)', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-in-place-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
  const files: Record<string, Buffer> = {
    'U/big': randomBytes(5 * 1024 * 1024 + 77),
    'U/empty': Buffer.alloc(0),
    'U/small': Buffer.from('hello'),
  };
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(folder, path.basename(name)), content);
  const expected = Buffer.concat([
    ...Object.entries(files).flatMap(([name, content]) => [
      encodeStreamPath(name),
      ...Array.from({ length: Math.ceil(content.length / DOWNLOAD_BLOCK_BYTES) }, (_, index) => encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, content.subarray(index * DOWNLOAD_BLOCK_BYTES, (index + 1) * DOWNLOAD_BLOCK_BYTES))),
      encodeStreamBlock(DeviceLinkBlockCode.SUCCESS),
    ]),
    Buffer.alloc(4),
  ]);

  async function sendOpenFiles(host: ServiceChannel): Promise<FileHandle[]> {
    const handles: FileHandle[] = [];
    const result = await sendFilesToDevice(host, Object.keys(files), async (name) => {
      const fileHandle = await fsPromises.open(path.join(folder, path.basename(name)), 'r');
      handles.push(fileHandle);
      return { fileHandle };
    });
    expect(result).toEqual({ filesSent: 3, bytesSent: 5 * 1024 * 1024 + 77 + 5, failures: [] });
    return handles;
  }

  it('sends exactly the blocks a stream would, and closes each file', async () => {
    let handles: FileHandle[] = [];
    const bytes = await sentBytes(async ({ host }) => {
      handles = await sendOpenFiles(host);
    });
    expect(bytes.equals(expected)).toBe(true);
    expect(handles.map((handle) => handle.fd)).toEqual([-1, -1, -1]);
  });

  it('keeps every byte right on a real socket, whose memory it reuses, with a reader slower than the disk', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await eventOnce(server, 'listening');
    const address = server.address() as net.AddressInfo;
    const accepted = eventOnce(server, 'connection');
    const hostSocket = net.connect(address.port, '127.0.0.1');
    const [peerSocket] = (await accepted) as [net.Socket];
    try {
      const host: ServiceChannel = { socket: hostSocket, reader: new ByteReader(hostSocket), close: () => hostSocket.destroy() };
      // The phone reads slowly: the socket pushes back, and both regions wait on it in turn.
      const received: Buffer[] = [];
      let size = 0;
      const done = new Promise<void>((resolve) => {
        peerSocket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          size += chunk.length;
          if (size >= expected.length) resolve();
          peerSocket.pause();
          setImmediate(() => peerSocket.resume());
        });
      });
      await sendOpenFiles(host);
      await done;
      expect(Buffer.concat(received).equals(expected)).toBe(true);
    } finally {
      hostSocket.destroy();
      peerSocket.destroy();
      server.close();
    }
  });
});

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
