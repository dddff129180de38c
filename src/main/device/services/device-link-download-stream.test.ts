import { randomBytes } from 'node:crypto';
import { once as eventOnce } from 'node:events';
import fs from 'node:fs';
import fsPromises, { type FileHandle } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteReader } from '../codec';
import { encodeStreamBlock, encodeStreamPath, sendFilesToDevice } from './device-link-download-stream';
import { SmallLocalFile } from './device-link-file-sender';
import { DOWNLOAD_BLOCK_BYTES, DeviceLinkBlockCode } from './device-link-stream-format';
import type { ServiceChannel } from './service-channel';
import { channelPair } from './test-support/channel-pair';
import { readerOver } from './test-support/reader-over';

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

async function* once(...chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
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

  it('sends the first files while the later ones are still being read, so the device starts at once', async () => {
    const paths = Array.from({ length: 60 }, (_, index) => `U/${index}`);
    let receivedBeforeFortieth = -1;
    await sentBytes(async ({ host, peer }) => {
      let received = 0;
      peer.socket.on('data', (chunk: Buffer) => (received += chunk.length));
      await sendFilesToDevice(host, paths, async (path) => {
        if (path === 'U/40') {
          // Let whatever was written reach the device before this file is read.
          await new Promise((resolve) => setImmediate(resolve));
          receivedBeforeFortieth = received;
        }
        return [Buffer.alloc(10_000, 1)];
      });
    });
    // 40 files of 10 kB (400 kB) read: a restore's phone must not wait for a whole 1 MiB to gather.
    expect(receivedBeforeFortieth).toBeGreaterThan(0);
  });

  it('writes the first file whole before it reads the second, however small the first is', async () => {
    const first = Buffer.concat([encodeStreamPath('U/0'), encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.alloc(3_000, 1)), encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)]);
    let receivedBeforeSecond = -1;
    await sentBytes(async ({ host, peer }) => {
      let received = 0;
      peer.socket.on('data', (chunk: Buffer) => (received += chunk.length));
      await sendFilesToDevice(host, ['U/0', 'U/1', 'U/2'], async (path) => {
        if (path === 'U/1') {
          await new Promise((resolve) => setImmediate(resolve));
          receivedBeforeSecond = received;
        }
        return [Buffer.alloc(3_000, 1)];
      });
    });
    // The phone waits for a request's first bytes (bench/README.md, Restore): one small file is enough to start on.
    expect(receivedBeforeSecond).toBe(first.length);
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

describe('DeviceLink host → device stream of small files handed over open, read straight into the stream (§3.6.1)', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-small-open-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('sends each up to its size in 32 KiB blocks (what a file that shrank still holds), and closes each', async () => {
    // name → what is on disk, and the size the stream is told (more than the file holds for 'shrank').
    const files: Array<[string, Buffer, number]> = [
      ['U/empty', Buffer.alloc(0), 0],
      ['U/five', Buffer.from('hello'), 5],
      ['U/block', randomBytes(DOWNLOAD_BLOCK_BYTES), DOWNLOAD_BLOCK_BYTES],
      ['U/two', randomBytes(DOWNLOAD_BLOCK_BYTES + 7_000), DOWNLOAD_BLOCK_BYTES + 7_000],
      ['U/capped', randomBytes(9_000), 4_000],
      ['U/shrank', randomBytes(DOWNLOAD_BLOCK_BYTES + 10), DOWNLOAD_BLOCK_BYTES + 5_000],
    ];
    const fds: number[] = [];
    const bytes = await sentBytes(async ({ host }) => {
      const result = await sendFilesToDevice(
        host,
        files.map(([name]) => name),
        (name) => {
          const [, content, size] = files.find(([candidate]) => candidate === name) as [string, Buffer, number];
          const file = path.join(folder, path.basename(name));
          fs.writeFileSync(file, content);
          const fd = fs.openSync(file, 'r');
          fds.push(fd);
          return new SmallLocalFile(fd, size);
        },
      );
      expect(result.failures).toEqual([]);
      expect(result.bytesSent).toBe(5 + DOWNLOAD_BLOCK_BYTES + DOWNLOAD_BLOCK_BYTES + 7_000 + 4_000 + DOWNLOAD_BLOCK_BYTES + 10);
    });
    const expected = Buffer.concat([
      ...files.flatMap(([name, content, size]) => [
        encodeStreamPath(name),
        ...chunksOf(content.subarray(0, size)).map((block) => encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, block)),
        encodeStreamBlock(DeviceLinkBlockCode.SUCCESS),
      ]),
      Buffer.alloc(4),
    ]);
    expect(bytes.equals(expected)).toBe(true);
    for (const fd of fds) expect(() => fs.fstatSync(fd)).toThrow(/EBADF/);
  });

  it('sends a file it cannot read as LOCAL_ERROR after the blocks read before, and closes it', async () => {
    const file = path.join(folder, 'a-folder');
    fs.mkdirSync(file, { recursive: true });
    let opened = -1;
    const bytes = await sentBytes(async ({ host }) => {
      const result = await sendFilesToDevice(host, ['U/dir', 'U/next'], (name) => {
        if (name === 'U/next') return [Buffer.from('ok')];
        // A folder opens but does not read (EISDIR): the read, not the open, fails.
        opened = fs.openSync(file, 'r');
        return new SmallLocalFile(opened, 10);
      });
      expect(result.failures.map((failure) => [failure.path, failure.message])).toEqual([['U/dir', 'Is a directory']]);
    });
    const expected = Buffer.concat([
      encodeStreamPath('U/dir'),
      encodeStreamBlock(DeviceLinkBlockCode.LOCAL_ERROR, Buffer.from('Is a directory')),
      encodeStreamPath('U/next'),
      encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, Buffer.from('ok')),
      encodeStreamBlock(DeviceLinkBlockCode.SUCCESS),
      Buffer.alloc(4),
    ]);
    expect(bytes.equals(expected)).toBe(true);
    expect(() => fs.fstatSync(opened)).toThrow(/EBADF/);
  });
});

describe('DeviceLink host → device stream of many small files on a real socket (§3.6.1)', () => {
  it('keeps every byte right while the socket pushes back and the gathered memory is reused', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await eventOnce(server, 'listening');
    const accepted = eventOnce(server, 'connection');
    const hostSocket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const [peerSocket] = (await accepted) as [net.Socket];
    try {
      const host: ServiceChannel = { socket: hostSocket, reader: new ByteReader(hostSocket), close: () => hostSocket.destroy() };
      // 3,000 files of 0–40 KiB (about 60 MB, dozens of gathered writes), one of them missing.
      const names = Array.from({ length: 3000 }, (_, index) => `U/${index}`);
      const contents = names.map((_, index) => randomBytes((index * 7919) % (40 * 1024)));
      const expected = Buffer.concat([
        ...names.flatMap((name, index) =>
          index === 1234
            ? [encodeStreamPath(name), encodeStreamBlock(DeviceLinkBlockCode.LOCAL_ERROR, Buffer.from('No such file or directory'))]
            : [encodeStreamPath(name), ...chunksOf(contents[index] as Buffer).map((block) => encodeStreamBlock(DeviceLinkBlockCode.FILE_DATA, block)), encodeStreamBlock(DeviceLinkBlockCode.SUCCESS)],
        ),
        Buffer.alloc(4),
      ]);
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
      const result = await sendFilesToDevice(host, names, (name) => {
        const index = Number(name.slice(2));
        if (index === 1234) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
        const content = contents[index] as Buffer;
        return content.length === 0 ? [] : [content];
      });
      expect(result.failures.map((failure) => failure.path)).toEqual(['U/1234']);
      await done;
      expect(Buffer.concat(received).equals(expected)).toBe(true);
    } finally {
      hostSocket.destroy();
      peerSocket.destroy();
      server.close();
    }
  });
});

function chunksOf(content: Buffer): Buffer[] {
  return Array.from({ length: Math.ceil(content.length / DOWNLOAD_BLOCK_BYTES) }, (_, index) => content.subarray(index * DOWNLOAD_BLOCK_BYTES, (index + 1) * DOWNLOAD_BLOCK_BYTES));
}
