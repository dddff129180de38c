import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode } from 'jpeg-js';
import { afterEach, describe, expect, it } from 'vitest';
import { jpegSource } from './content/jpeg-content';
import { changePhone } from './phone-changes';
import { phoneDigest } from './phone-compare';
import type { Phone, PhoneEntry } from './phone-model';
import { openPhone } from './phone-store';

const dirs: string[] = [];
const phones: Phone[] = [];

function open(seed: number): Phone {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  dirs.push(dir);
  const phone = openPhone(dir, { seed, profile: 'small' });
  phones.push(phone);
  return phone;
}

afterEach(() => {
  for (const phone of phones.splice(0)) phone.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function contentOf(phone: Phone, entry: PhoneEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of phone.readContent(entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Walks JPEG segments to the APP1 Exif one and reads DateTimeOriginal (0x9003) from the Exif IFD. */
function exifDateTimeOriginal(jpeg: Buffer): string | undefined {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg.readUInt16BE(at);
    const length = jpeg.readUInt16BE(at + 2);
    if (marker === 0xffe1 && jpeg.toString('latin1', at + 4, at + 10) === 'Exif\u0000\u0000') {
      const tiff = jpeg.subarray(at + 10, at + 2 + length);
      const little = tiff.toString('latin1', 0, 2) === 'II';
      const u16 = (o: number) => (little ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
      const u32 = (o: number) => (little ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
      const find = (ifd: number, tag: number): number | undefined => {
        for (let i = 0; i < u16(ifd); i++) if (u16(ifd + 2 + i * 12) === tag) return ifd + 2 + i * 12;
        return undefined;
      };
      const pointer = find(u32(4), 0x8769);
      if (pointer === undefined) return undefined;
      const field = find(u32(pointer + 8), 0x9003);
      if (field === undefined) return undefined;
      return tiff.toString('latin1', u32(field + 8), u32(field + 8) + u32(field + 4) - 1);
    }
    if (marker === 0xffda) break;
    at += 2 + length;
  }
  return undefined;
}

const exifFormat = (unix: number) => new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, ':');

describe('camera roll content', () => {
  it('is real JPEGs that decode and carry the entry birth date as EXIF DateTimeOriginal', async () => {
    const phone = open(21);
    const photos = [...phone.entries()].filter((e) => e.relativePath.startsWith('Media/DCIM/') && e.relativePath.endsWith('.JPG'));
    // The older third of the roll is JPEG (the rest HEIC, tested below), edited ones with an IMG_E render.
    expect(photos.length).toBeGreaterThanOrEqual(5);
    for (const photo of photos) {
      const bytes = await contentOf(phone, photo);
      const image = decode(bytes);
      expect(image.width * image.height).toBeGreaterThan(0);
      expect(exifDateTimeOriginal(bytes)).toBe(exifFormat(photo.birth));
      expect(photo.mtime).toBe(photo.birth);
    }
  });

  it('pads large photos to their size with valid segments, readable from any offset', () => {
    const source = jpegSource('large-photo', 3_000_001, { takenAt: 1_600_000_000, model: 'iPhone 13', width: 160, height: 120 });
    const whole = source.readAt(0, source.size);
    expect(whole.length).toBe(3_000_001);
    expect(decode(whole, { maxMemoryUsageInMB: 256 }).width).toBe(160);
    expect(exifDateTimeOriginal(whole)).toBe('2020:09:13 12:26:40');
    for (const [offset, length] of [[0, 10], [65_530, 20], [1_234_567, 100_000], [2_999_990, 50]] as const) {
      expect(source.readAt(offset, length).equals(whole.subarray(offset, offset + length))).toBe(true);
    }
  });

  it('has PNG screenshots and QuickTime movies with the right magic', async () => {
    const phone = open(22);
    const media = [...phone.entries()].filter((e) => /\.(PNG|MOV)$/.test(e.relativePath));
    // Two videos and two screenshots, plus the video halves of Live Photos (a .MOV beside a .HEIC).
    const paths = new Set([...phone.entries()].map((e) => e.relativePath));
    const liveHalves = media.filter((e) => e.relativePath.endsWith('.MOV') && paths.has(e.relativePath.replace(/MOV$/, 'HEIC')));
    expect(liveHalves.length).toBeGreaterThanOrEqual(1);
    expect(media.filter((e) => !liveHalves.includes(e)).map((e) => e.relativePath.slice(-3)).sort()).toEqual(['MOV', 'MOV', 'PNG', 'PNG']);
    for (const entry of media) {
      const head = (await contentOf(phone, entry)).subarray(0, 12);
      if (entry.relativePath.endsWith('.PNG')) expect(head.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      else expect(head.toString('latin1', 4, 12)).toBe('ftypqt  ');
    }
  });
});

describe('changePhone', () => {
  it('adds photos after the last number, modifies and deletes files, deterministically', async () => {
    const a = open(30);
    const b = open(30);
    const before = a.stats();
    const summary = await changePhone(a, { seed: 5, addPhotos: 3, modifyFiles: 4, deleteFiles: 2, now: 1_790_000_000 });
    await changePhone(b, { seed: 5, addPhotos: 3, modifyFiles: 4, deleteFiles: 2, now: 1_790_000_000 });
    expect(await phoneDigest(a)).toBe(await phoneDigest(b));
    expect(summary.added.filter((p) => p.endsWith('.HEIC'))).toHaveLength(3);
    expect(summary.modified).toHaveLength(4);
    expect(summary.deleted).toHaveLength(2);
    expect(a.stats().cameraRollFiles).toBeGreaterThanOrEqual(before.cameraRollFiles + 3);
    for (const label of summary.deleted) {
      const [domain, ...rest] = label.split('/');
      expect(a.entry(domain ?? '', rest.join('/'))).toBeUndefined();
    }
    for (const label of summary.modified) {
      const [domain, ...rest] = label.split('/');
      expect(a.entry(domain ?? '', rest.join('/'))?.mtime).toBe(1_790_000_000);
    }
    const added = summary.added[0] ?? '';
    const photo = a.entry('CameraRollDomain', added.slice('CameraRollDomain/'.length));
    if (!photo) throw new Error('new photo missing');
    // New photos are HEIC, their EXIF date (DateTime, DateTimeOriginal, DateTimeDigitized) the capture time.
    const bytes = await contentOf(a, photo);
    expect(bytes.toString('latin1', 4, 12)).toBe('ftypheic');
    expect(bytes.toString('latin1').split(exifFormat(photo.birth)).length - 1).toBe(3);
  });
});
