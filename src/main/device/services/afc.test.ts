import { afterEach, describe, expect, it } from 'vitest';
import { AfcClient } from './afc';
import { AfcError, AfcLockOperation, AfcOpenMode, AfcOperation, encodeAfcPacket } from './afc-protocol';
import { nanosecondsToDate } from './afc-info';
import { type ScriptedPeer, channelPair } from './test-support/channel-pair';

/**
 * A scripted AFC device built from the layouts of protocol.md §4.1–4.4 (deliberately not using the
 * client's own encoder/decoder): an in-memory tree, a handle table and a lock that can be busy.
 */
interface FakeFile {
  data: Buffer;
  readonly type: 'S_IFREG' | 'S_IFDIR';
  mtimeNs: bigint;
}

interface FakeOptions {
  /** Answer FileLock with 19 (would block) this many times first. */
  busyLocks?: number;
  /** Corrupt the reply's packet number. */
  wrongPacketNumber?: boolean;
  /** Reply header entire_length to claim. */
  claimLength?: bigint;
}

interface FakeDevice {
  readonly files: Map<string, FakeFile>;
  readonly requests: { op: number; packetNumber: bigint }[];
}

function reply(packetNumber: bigint, op: number, body: Buffer, claim?: bigint): Buffer {
  const header = Buffer.alloc(40);
  header.write('CFA6LPAA', 0, 'latin1');
  header.writeBigUInt64LE(claim ?? BigInt(40 + body.length), 8);
  header.writeBigUInt64LE(40n, 16);
  header.writeBigUInt64LE(packetNumber, 24);
  header.writeBigUInt64LE(BigInt(op), 32);
  return Buffer.concat([header, body]);
}

const u64 = (value: number | bigint): Buffer => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
};
const status = (code: number): [number, Buffer] => [0x01, u64(code)];
const cString = (bytes: Buffer, start = 0): string => bytes.subarray(start, bytes.indexOf(0, start)).toString('utf8');

function startFakeAfc(peer: ScriptedPeer, options: FakeOptions = {}): FakeDevice {
  const files = new Map<string, FakeFile>([
    ['/', { data: Buffer.alloc(0), type: 'S_IFDIR', mtimeNs: 0n }],
    ['/DCIM', { data: Buffer.alloc(0), type: 'S_IFDIR', mtimeNs: 0n }],
    ['/DCIM/100APPLE', { data: Buffer.alloc(0), type: 'S_IFDIR', mtimeNs: 0n }],
    ['/DCIM/100APPLE/IMG_0010.JPG', { data: Buffer.from('ten'), type: 'S_IFREG', mtimeNs: 1_700_000_000_123_456_789n }],
    ['/DCIM/100APPLE/IMG_0009.JPG', { data: Buffer.from('nine'), type: 'S_IFREG', mtimeNs: 0n }],
  ]);
  const handles = new Map<bigint, { path: string; position: number }>();
  let busyLocks = options.busyLocks ?? 0;
  const requests: { op: number; packetNumber: bigint }[] = [];
  const children = (dir: string): string[] =>
    [...files.keys()].filter((key) => key !== dir && key.startsWith(dir === '/' ? '/' : `${dir}/`) && !key.slice(dir.length + 1).includes('/') && key !== '/').map((key) => key.slice(key.lastIndexOf('/') + 1));

  const handle = (op: number, args: Buffer, payload: Buffer): [number, Buffer] => {
    switch (op) {
      case AfcOperation.READ_DIRECTORY: {
        const path = cString(args);
        if (!files.has(path)) return status(8);
        return [0x02, Buffer.from(['.', '..', ...children(path)].map((name) => `${name}\0`).join(''))];
      }
      case AfcOperation.GET_FILE_INFO: {
        const file = files.get(cString(args));
        if (!file) return status(8);
        const pairs = { st_size: String(file.data.length), st_blocks: '8', st_nlink: '1', st_ifmt: file.type, st_mtime: String(file.mtimeNs), st_birthtime: String(file.mtimeNs) };
        return [0x02, Buffer.from(Object.entries(pairs).map(([k, v]) => `${k}\0${v}\0`).join(''))];
      }
      case AfcOperation.GET_DEVICE_INFO:
        return [0x02, Buffer.from(['Model', 'iPhone14,5', 'FSTotalBytes', '128000000000', 'FSFreeBytes', '64000000000', 'FSBlockSize', '4096'].map((text) => `${text}\0`).join(''))];
      case AfcOperation.FILE_OPEN: {
        const mode = Number(args.readBigUInt64LE(0));
        const path = cString(args, 8);
        if (!files.has(path)) {
          if (mode === AfcOpenMode.READ_ONLY) return status(8);
          files.set(path, { data: Buffer.alloc(0), type: 'S_IFREG', mtimeNs: 0n });
        }
        if (mode === AfcOpenMode.WRITE_READ || mode === AfcOpenMode.WRITE_ONLY) (files.get(path) as FakeFile).data = Buffer.alloc(0);
        const id = BigInt(handles.size + 1);
        handles.set(id, { path, position: 0 });
        return [0x0e, u64(id)];
      }
      case AfcOperation.FILE_READ: {
        const open = handles.get(args.readBigUInt64LE(0));
        if (!open) return status(7);
        const file = files.get(open.path) as FakeFile;
        const chunk = file.data.subarray(open.position, open.position + Number(args.readBigUInt64LE(8)));
        open.position += chunk.length;
        return [0x02, chunk];
      }
      case AfcOperation.FILE_WRITE: {
        const open = handles.get(args.readBigUInt64LE(0));
        if (!open) return status(7);
        const file = files.get(open.path) as FakeFile;
        file.data = Buffer.concat([file.data.subarray(0, open.position), payload]);
        open.position += payload.length;
        return status(0);
      }
      case AfcOperation.FILE_SEEK: {
        const open = handles.get(args.readBigUInt64LE(0));
        if (!open) return status(7);
        const whence = Number(args.readBigUInt64LE(8));
        const offset = Number(args.readBigInt64LE(16));
        const base = whence === 0 ? 0 : whence === 1 ? open.position : (files.get(open.path) as FakeFile).data.length;
        open.position = base + offset;
        return status(0);
      }
      case AfcOperation.FILE_TELL: {
        const open = handles.get(args.readBigUInt64LE(0));
        return open ? [0x13, u64(open.position)] : status(7);
      }
      case AfcOperation.FILE_CLOSE:
        return handles.delete(args.readBigUInt64LE(0)) ? status(0) : status(7);
      case AfcOperation.FILE_LOCK:
        if (busyLocks > 0) {
          busyLocks -= 1;
          return status(19);
        }
        return status(0);
      case AfcOperation.MAKE_DIRECTORY:
        files.set(cString(args), { data: Buffer.alloc(0), type: 'S_IFDIR', mtimeNs: 0n });
        return status(0);
      case AfcOperation.REMOVE_PATH: {
        const path = cString(args);
        if (!files.has(path)) return status(8);
        if (children(path).length > 0) return status(1);
        files.delete(path);
        return status(0);
      }
      case AfcOperation.RENAME_PATH: {
        const from = cString(args);
        const to = cString(args, from.length + 1);
        const file = files.get(from);
        if (!file) return status(8);
        files.delete(from);
        files.set(to, file);
        return status(0);
      }
      case AfcOperation.SET_FILE_MOD_TIME: {
        const file = files.get(cString(args, 8));
        if (!file) return status(8);
        file.mtimeNs = args.readBigUInt64LE(0);
        return status(0);
      }
      default:
        return status(15);
    }
  };

  void (async () => {
    try {
      for (;;) {
        const header = await peer.reader.readExactly(40);
        const entire = Number(header.readBigUInt64LE(8));
        const thisLength = Number(header.readBigUInt64LE(16));
        const packetNumber = header.readBigUInt64LE(24);
        const op = Number(header.readBigUInt64LE(32));
        requests.push({ op, packetNumber });
        const body = await peer.reader.readExactly(entire - 40);
        const [replyOp, replyBody] = handle(op, body.subarray(0, thisLength - 40), body.subarray(thisLength - 40));
        const echoed = options.wrongPacketNumber ? packetNumber + 7n : packetNumber;
        peer.socket.write(reply(echoed, replyOp, replyBody, options.claimLength));
      }
    } catch {
      // connection closed
    }
  })();
  return { files, requests };
}

let closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers) close();
  closers = [];
});

function connect(options?: FakeOptions): { afc: AfcClient; device: FakeDevice } {
  const { host, peer } = channelPair();
  closers.push(host.close);
  return { afc: new AfcClient(host), device: startFakeAfc(peer, options) };
}

describe('AFC packets (§4.1)', () => {
  it('encodes ReadDirectory /DCIM as the §8.4 hex vector', () => {
    const packet = encodeAfcPacket(1n, AfcOperation.READ_DIRECTORY, Buffer.from('/DCIM\0'));
    expect(packet.toString('hex')).toBe(
      '434641364c504141' + '2e00000000000000' + '2e00000000000000' + '0100000000000000' + '0300000000000000' + '2f4443494d00',
    );
  });

  it('puts FileWrite data after an 8-byte handle (this_length 48)', () => {
    const packet = encodeAfcPacket(2n, AfcOperation.FILE_WRITE, Buffer.alloc(8), Buffer.from('abc'));
    expect(packet.readBigUInt64LE(8)).toBe(51n);
    expect(packet.readBigUInt64LE(16)).toBe(48n);
  });
});

describe('AfcClient (§4.2–4.4)', () => {
  it('lists folders without . and .., numbering packets from 1', async () => {
    const { afc, device } = connect();
    expect(await afc.readDirectory('/DCIM')).toEqual(['100APPLE']);
    expect(await afc.readDirectory('/DCIM/100APPLE')).toEqual(expect.arrayContaining(['IMG_0009.JPG', 'IMG_0010.JPG']));
    expect(device.requests.map((request) => request.packetNumber)).toEqual([1n, 2n]);
  });

  it('parses file info with nanosecond dates', async () => {
    const { afc } = connect();
    const info = await afc.getFileInfo('/DCIM/100APPLE/IMG_0010.JPG');
    expect(info).toMatchObject({ size: 3, blocks: 8, linkCount: 1, type: 'file', linkTarget: undefined });
    expect(info.modified?.toISOString()).toBe('2023-11-14T22:13:20.123Z');
    expect((await afc.getFileInfo('/DCIM')).type).toBe('directory');
    expect(nanosecondsToDate('not a number')).toBeUndefined();
  });

  it('turns a missing path into an AfcError named OBJECT_NOT_FOUND', async () => {
    const { afc } = connect();
    const error = await afc.getFileInfo('/nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AfcError);
    expect(error).toMatchObject({ status: 8, statusName: 'OBJECT_NOT_FOUND', code: 'device-refused', path: '/nope' });
    expect((error as Error).message).toMatch(/does not exist/);
    // The connection stays usable after a status error.
    expect(await afc.readDirectory('/DCIM')).toEqual(['100APPLE']);
  });

  it('reads device info', async () => {
    const { afc } = connect();
    expect(await afc.getDeviceInfo()).toMatchObject({ model: 'iPhone14,5', totalBytes: 128000000000, freeBytes: 64000000000, blockSize: 4096 });
  });

  it('writes, seeks, tells, reads and streams files; queued calls keep their replies', async () => {
    const { afc, device } = connect();
    const content = Buffer.alloc(100_000);
    for (let i = 0; i < content.length; i += 1) content[i] = i % 251;
    expect(await afc.writeFile('/Downloads/blob', (async function* () {
      yield content.subarray(0, 70_000);
      yield content.subarray(70_000);
    })())).toBe(content.length);
    expect(device.files.get('/Downloads/blob')?.data.equals(content)).toBe(true);
    const writes = device.requests.filter((request) => request.op === AfcOperation.FILE_WRITE).length;
    expect(writes).toBeGreaterThanOrEqual(4);

    const handle = await afc.open('/Downloads/blob', AfcOpenMode.READ_ONLY);
    await afc.seek(handle, -10, 'end');
    expect(await afc.tell(handle)).toBe(content.length - 10);
    expect((await afc.read(handle, 64)).equals(content.subarray(-10))).toBe(true);
    expect((await afc.read(handle)).length).toBe(0);
    await afc.close(handle);

    const chunks: Buffer[] = [];
    for await (const chunk of afc.readFile('/Downloads/blob', 30_000)) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.length <= 30_000)).toBe(true);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);

    const [a, b] = await Promise.all([afc.readFileToBuffer('/DCIM/100APPLE/IMG_0009.JPG'), afc.readFileToBuffer('/DCIM/100APPLE/IMG_0010.JPG')]);
    expect([a.toString(), b.toString()]).toEqual(['nine', 'ten']);
    await expect(afc.readFileToBuffer('/Downloads/blob', 10)).rejects.toMatchObject({ code: 'too-large' });
  });

  it('walks a tree depth first in numeric name order', async () => {
    const { afc } = connect();
    const paths: string[] = [];
    for await (const entry of afc.walk('/DCIM')) paths.push(entry.path);
    expect(paths).toEqual(['/DCIM/100APPLE', '/DCIM/100APPLE/IMG_0009.JPG', '/DCIM/100APPLE/IMG_0010.JPG']);
  });

  it('makes, renames, removes and dates paths', async () => {
    const { afc, device } = connect();
    await afc.makeDirectory('/iTunesRestore');
    await afc.writeFile('/iTunesRestore/a', Buffer.from('x'));
    await expect(afc.removePath('/iTunesRestore')).rejects.toMatchObject({ statusName: 'UNKNOWN_ERROR' });
    await afc.renamePath('/iTunesRestore/a', '/iTunesRestore/b');
    await afc.setFileModTime('/iTunesRestore/b', new Date('2024-01-02T03:04:05.678Z'));
    expect(device.files.get('/iTunesRestore/b')?.mtimeNs).toBe(BigInt(Date.parse('2024-01-02T03:04:05.678Z')) * 1_000_000n);
    await afc.removePath('/iTunesRestore/b');
    await afc.removePath('/iTunesRestore');
    expect(device.files.has('/iTunesRestore')).toBe(false);
    await expect(afc.removePathAndContents('/x')).rejects.toMatchObject({ statusName: 'OP_NOT_SUPPORTED' });
  });

  it('retries a busy sync lock and gives up after the attempts', async () => {
    const { afc, device } = connect({ busyLocks: 3 });
    const handle = await afc.open('/com.apple.itunes.lock_sync', AfcOpenMode.READ_WRITE);
    await afc.lockWithRetry(handle, AfcLockOperation.EXCLUSIVE, { attempts: 5, delayMs: 1 });
    expect(device.requests.filter((request) => request.op === AfcOperation.FILE_LOCK)).toHaveLength(4);

    const busy = connect({ busyLocks: 10 });
    const busyHandle = await busy.afc.open('/com.apple.itunes.lock_sync', AfcOpenMode.READ_WRITE);
    await expect(busy.afc.lockWithRetry(busyHandle, AfcLockOperation.EXCLUSIVE, { attempts: 2, delayMs: 1 })).rejects.toMatchObject({
      statusName: 'OP_WOULD_BLOCK',
    });
  });

  it('treats a reply to another packet as a broken connection', async () => {
    const { afc } = connect({ wrongPacketNumber: true });
    await expect(afc.readDirectory('/DCIM')).rejects.toMatchObject({ code: 'protocol' });
    await expect(afc.getDeviceInfo()).rejects.toMatchObject({ code: 'protocol' });
  });

  it('refuses a reply that claims more bytes than the cap without allocating them', async () => {
    const { afc } = connect({ claimLength: 1n << 40n });
    await expect(afc.readDirectory('/DCIM')).rejects.toMatchObject({ code: 'too-large' });
  });

  it('refuses a read reply longer than what was asked', async () => {
    const { afc } = connect({ claimLength: 40n + 100n });
    await expect(afc.read(1n, 10)).rejects.toMatchObject({ code: 'too-large' });
  });
});
