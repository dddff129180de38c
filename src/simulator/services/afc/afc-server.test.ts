import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode } from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../device/service-context';
import type { Phone } from '../../phone/phone-model';
import { openPhone } from '../../phone/phone-store';
import { afcRequestBytes, AfcTestClient, cstr, le64 } from './testing/afc-test-client';
import { listenAfc, testServiceContext } from './testing/afc-test-context';

const LOCK_EX_NB = 6;
const LOCK_UN = 12;

let dir: string;
let phone: Phone;
let server: { port: number; close: () => Promise<void> };
const faults: { current: FaultPlan } = { current: { trust: 'accept', locked: false } };
const clients: AfcTestClient[] = [];

async function client(): Promise<AfcTestClient> {
  const c = await AfcTestClient.connect(server.port);
  clients.push(c);
  return c;
}

async function contentOf(relativeDomain: string, relativePath: string): Promise<Buffer> {
  const entry = phone.entry(relativeDomain, relativePath);
  if (!entry) throw new Error(`${relativeDomain}/${relativePath} missing`);
  const chunks: Buffer[] = [];
  for await (const chunk of phone.readContent(entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  phone = openPhone(path.join(dir, 'phone'), { seed: 42, profile: 'small' });
  server = await listenAfc(testServiceContext(phone, faults));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
  phone.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('AFC framing', () => {
  it('answers the §8.4 ReadDirectory /DCIM vector with DATA listing . .. and the DCF folders', async () => {
    const vector = Buffer.from('434641364c504141' + '2e00000000000000' + '2e00000000000000' + '0100000000000000' + '0300000000000000' + '2f4443494d00', 'hex');
    expect(afcRequestBytes(1n, 3, cstr('/DCIM')).equals(vector)).toBe(true);
    const c = await client();
    const reply = await c.sendRaw(vector);
    expect(reply.packetNum).toBe(1n);
    expect(reply.op).toBe(0x02);
    const names = reply.payload.toString('utf8').split('\u0000');
    expect(names.pop()).toBe('');
    expect(names.slice(0, 2)).toEqual(['.', '..']);
    expect(names).toContain('100APPLE');
    expect(names).toContain('.MISC');
  });

  it('echoes packet_num and refuses unknown operations with OP_NOT_SUPPORTED', async () => {
    const c = await client();
    const reply = await c.sendRaw(afcRequestBytes(4242n, 0x30, Buffer.alloc(0)));
    expect(reply.packetNum).toBe(4242n);
    expect(reply.op).toBe(0x01);
    expect(reply.payload.readBigUInt64LE(0)).toBe(15n);
  });

  it('accepts arguments sent as payload instead of header-data', async () => {
    const c = await client();
    const reply = await c.sendRaw(afcRequestBytes(7n, 3, Buffer.alloc(0), cstr('/DCIM')));
    expect(reply.op).toBe(0x02);
    expect(reply.payload.toString('utf8')).toContain('100APPLE');
  });
});

describe('AFC reading', () => {
  it('maps the media folder onto the domains: root, /DCIM, /PhotoData, /Books, /iTunes_Control', async () => {
    const c = await client();
    const root = await c.list('/');
    for (const name of ['.', '..', 'DCIM', 'PhotoData', 'Books', 'iTunes_Control', 'Recordings', 'com.apple.itunes.lock_sync']) expect(root).toContain(name);
    expect(await c.list('/iTunes_Control/iTunes')).toEqual(expect.arrayContaining(['iTunesPrefs', 'iTunesPrefs.plist']));
    expect(await c.list('/Books')).toContain('iBooksData2.plist');
    expect(await c.list('/PhotoData')).toContain('Photos.sqlite');
    const lock = await c.info('/com.apple.itunes.lock_sync');
    expect(lock).toMatchObject({ st_ifmt: 'S_IFREG', st_size: '0' });
  });

  it('reports file info in §4.4 form: sizes, types, nanosecond times, link targets', async () => {
    const c = await client();
    const entry = phone.entry('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG');
    if (!entry) throw new Error('no photo');
    const info = await c.info('/DCIM/100APPLE/IMG_0001.JPG');
    expect(info).toMatchObject({
      st_size: String(entry.size), st_ifmt: 'S_IFREG', st_nlink: '1',
      st_mtime: `${entry.mtime}000000000`, st_birthtime: `${entry.birth}000000000`,
    });
    expect(Number(info.st_blocks) * 512).toBeGreaterThanOrEqual(entry.size);
    expect((await c.info('/DCIM')).st_ifmt).toBe('S_IFDIR');
    const link = await c.info('/Recordings/Latest.m4a');
    expect(link.st_ifmt).toBe('S_IFLNK');
    expect(link.LinkTarget).toMatch(/\.m4a$/);
    await expect(c.info('/DCIM/100APPLE/IMG_9999.JPG')).rejects.toMatchObject({ status: 8 });
  });

  it('streams a photo in 64 KiB FileReads, byte-identical to the phone and decodable', async () => {
    const c = await client();
    const bytes = await c.readWhole('/DCIM/100APPLE/IMG_0001.JPG');
    expect(bytes.equals(await contentOf('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG'))).toBe(true);
    expect(decode(bytes).width).toBeGreaterThan(0);
  });

  it('seeks and tells on a read handle', async () => {
    const c = await client();
    const whole = await contentOf('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG');
    const handle = await c.open('/DCIM/100APPLE/IMG_0001.JPG', 1);
    expect(await c.status(0x11, le64(handle, 0, 1000))).toBe(0);
    expect((await c.read(handle, 16)).equals(whole.subarray(1000, 1016))).toBe(true);
    const tell = await c.request(0x12, le64(handle));
    expect(tell.op).toBe(0x13);
    expect(tell.payload.readBigUInt64LE(0)).toBe(1016n);
    expect(await c.status(0x11, le64(handle, 2, -10))).toBe(0);
    expect((await c.read(handle, 100)).equals(whole.subarray(whole.length - 10))).toBe(true);
    expect((await c.read(handle, 100)).length).toBe(0);
    expect(await c.status(0x11, le64(handle, 0, -1))).toBe(7);
    expect(await c.status(0x14, le64(handle))).toBe(0);
    expect(await c.status(0x14, le64(handle))).toBe(7);
  });

  it('gives device info with the fault plan’s free space when set', async () => {
    const c = await client();
    const parse = (b: Buffer) => Object.fromEntries(b.toString().split('\u0000').slice(0, -1).reduce<string[][]>((acc, v, i) => (i % 2 ? (acc.at(-1)?.push(v), acc) : [...acc, [v]]), []));
    const info = parse(await c.data(0x0b));
    expect(info).toMatchObject({ Model: 'iPhone14,5', FSTotalBytes: String(phone.capacityBytes()), FSFreeBytes: String(phone.freeBytes()), FSBlockSize: '4096' });
    faults.current = { ...faults.current, deviceFreeBytes: 1234 };
    try {
      expect(parse(await c.data(0x0b)).FSFreeBytes).toBe('1234');
    } finally {
      faults.current = { trust: 'accept', locked: false };
    }
  });
});

describe('AFC writing', () => {
  it('writes, appends, resizes and reads back a file, which lands in MediaDomain', async () => {
    const c = await client();
    const handle = await c.open('/Downloads/hello.txt', 3);
    expect(await c.write(handle, Buffer.from('hello '))).toBe(0);
    expect(await c.write(handle, Buffer.from('world'))).toBe(0);
    expect(await c.status(0x14, le64(handle))).toBe(0);
    expect((await c.readWhole('/Downloads/hello.txt')).toString()).toBe('hello world');
    expect((await contentOf('MediaDomain', 'Media/Downloads/hello.txt')).toString()).toBe('hello world');

    const append = await c.open('/Downloads/hello.txt', 5);
    expect(await c.write(append, Buffer.from('!'))).toBe(0);
    expect(await c.status(0x14, le64(append))).toBe(0);
    const rw = await c.open('/Downloads/hello.txt', 2);
    expect((await c.read(rw, 5)).toString()).toBe('hello');
    expect(await c.write(rw, Buffer.from('_'))).toBe(0);
    expect(await c.status(0x15, le64(rw, 8))).toBe(0);
    expect(await c.status(0x14, le64(rw))).toBe(0);
    expect((await c.readWhole('/Downloads/hello.txt')).toString()).toBe('hello_wo');
    expect(await c.status(0x07, Buffer.concat([le64(5), cstr('/Downloads/hello.txt')]))).toBe(0);
    expect((await c.readWhole('/Downloads/hello.txt')).toString()).toBe('hello');
    const ro = await c.open('/Downloads/hello.txt', 1);
    expect(await c.write(ro, Buffer.from('x'))).toBe(10);
    await expect(c.open('/NoSuchFolder/file.txt', 3)).rejects.toMatchObject({ status: 8 });
    await expect(c.open('/DCIM', 1)).rejects.toMatchObject({ status: 9 });
  });

  it('makes, renames, links, re-times and removes entries', async () => {
    const c = await client();
    expect(await c.status(0x09, cstr('/PublicStaging/a/b'))).toBe(0);
    expect(phone.entry('MediaDomain', 'Media/PublicStaging/a/b')?.kind).toBe('directory');
    const handle = await c.open('/PublicStaging/a/b/file.bin', 3);
    await c.write(handle, Buffer.alloc(1000, 7));
    await c.status(0x14, le64(handle));
    expect(await c.status(0x08, cstr('/PublicStaging/a'))).toBe(1); // not empty
    expect(await c.status(0x18, Buffer.concat([cstr('/PublicStaging/a/b/file.bin'), cstr('/PublicStaging/moved.bin')]))).toBe(0);
    expect((await c.info('/PublicStaging/moved.bin')).st_size).toBe('1000');
    await expect(c.info('/PublicStaging/a/b/file.bin')).rejects.toMatchObject({ status: 8 });
    expect(await c.status(0x1c, Buffer.concat([le64(2), cstr('moved.bin'), cstr('/PublicStaging/link')]))).toBe(0);
    expect((await c.info('/PublicStaging/link')).LinkTarget).toBe('moved.bin');
    expect(await c.status(0x1e, Buffer.concat([le64(1_500_000_000_000_000_000n), cstr('/PublicStaging/moved.bin')]))).toBe(0);
    expect((await c.info('/PublicStaging/moved.bin')).st_mtime).toBe('1500000000000000000');
    const hash = await c.data(0x1d, cstr('/PublicStaging/moved.bin'));
    expect(hash.toString('hex')).toBe(createHash('sha1').update(Buffer.alloc(1000, 7)).digest('hex'));
    expect(await c.status(0x22, cstr('/PublicStaging'))).toBe(0);
    expect(phone.entry('MediaDomain', 'Media/PublicStaging/moved.bin')).toBeUndefined();
    expect(await c.status(0x08, cstr('/PublicStaging'))).toBe(8);
  });

  it('refuses paths that climb out of the media folder', async () => {
    const c = await client();
    await expect(c.info('/../../private/var/root')).rejects.toMatchObject({ status: 10 });
    await expect(c.info('/DCIM/../../etc/passwd')).rejects.toMatchObject({ status: 10 });
    await expect(c.open('../Library/SMS/sms.db', 1)).rejects.toMatchObject({ status: 10 });
    expect((await c.info('/DCIM/../Books')).st_ifmt).toBe('S_IFDIR');
    expect(await c.status(0x09, cstr('/DCIM/../../escape'))).toBe(10);
  });
});

describe('AFC locking', () => {
  it('lets one client hold LOCK_EX on the sync lock; a second gets OP_WOULD_BLOCK until it is released', async () => {
    const first = await client();
    const second = await client();
    const a = await first.open('/com.apple.itunes.lock_sync', 2);
    const b = await second.open('/com.apple.itunes.lock_sync', 2);
    expect(await first.status(0x1b, le64(a, LOCK_EX_NB))).toBe(0);
    expect(await second.status(0x1b, le64(b, LOCK_EX_NB))).toBe(19);
    expect(await first.status(0x1b, le64(a, LOCK_UN))).toBe(0);
    expect(await second.status(0x1b, le64(b, LOCK_EX_NB))).toBe(0);
    expect(await first.status(0x1b, le64(a, LOCK_EX_NB))).toBe(19);
    // A client that goes away loses its locks.
    second.close();
    let status = 19;
    for (let attempt = 0; attempt < 50 && status === 19; attempt++) {
      status = await first.status(0x1b, le64(a, LOCK_EX_NB));
      if (status === 19) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(0);
    expect(await first.status(0x14, le64(a))).toBe(0);
    expect(phone.entry('MediaDomain', 'Media/com.apple.itunes.lock_sync')?.size).toBe(0);
  });
});

describe('AFC faults', () => {
  it('sends malformed replies when the fault plan says so', async () => {
    const c = await client();
    faults.current = { trust: 'accept', locked: false, malformedReplies: 'afc' };
    try {
      await expect(c.request(0x0b)).rejects.toThrow(/bad magic/);
    } finally {
      faults.current = { trust: 'accept', locked: false };
    }
  });
});
