import { decode as decodeJpeg, encode as encodeJpeg } from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { declaredPictureSize, HeicDecoder, HeicPreviews, isHeic, ThumbnailCache } from '../../src/main/photos/heic';
import { downscaleRgba } from '../../src/main/photos/heic/downscale';
import { withExif } from '../../src/main/photos/heic/jpeg-exif';
import { HEIC_SAMPLES_BASE64 } from '../../src/simulator/phone/content/heic-samples';
import { heicSource } from '../../src/simulator/phone/content/heic-content';
import { appleContentIdentifier } from '../helpers/apple-maker-note';
import { startThreadsFromSources } from '../helpers/thread-sources';

// The HEIC thread from its TypeScript source, the way tsx runs it (the other files use the run's bundles).
startThreadsFromSources();

/**
 * HEIC decoding for photo import and the backup browser (src/main/photos/heic): bounded before
 * decoding, off the main thread, EXIF carried into the JPEG, thumbnails cached. The pictures are
 * the virtual iPhone's (made by heif-enc from its own drawn scenes).
 */
const takenAt = 1_700_000_000;
const photo = (() => {
  const source = heicSource('decoder-test', 20_000, { takenAt, width: 160, height: 120 });
  return source.readAt(0, source.size);
})();
const exifText = new Date(takenAt * 1000).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');

/** The photo with its `ispe` property claiming another size (same byte length, so nothing else moves). */
function claimingSize(width: number, height: number): Buffer {
  const bytes = Buffer.from(photo);
  const at = bytes.indexOf('ispe', 0, 'latin1');
  bytes.writeUInt32BE(width, at + 8);
  bytes.writeUInt32BE(height, at + 12);
  return bytes;
}

const decoder = new HeicDecoder();
afterAll(() => decoder.close());

describe('what a HEIC says before it is decoded', () => {
  it('recognises HEIC by its brand and reads the picture size its ispe declares', () => {
    expect(isHeic(photo)).toBe(true);
    expect(isHeic(Buffer.from('ffd8ffe000104a464946', 'hex'))).toBe(false);
    expect(declaredPictureSize(photo)).toEqual({ width: 160, height: 120 });
    for (const sample of HEIC_SAMPLES_BASE64.portrait) expect(declaredPictureSize(Buffer.from(sample, 'base64'))).toEqual({ width: 120, height: 160 });
    expect(declaredPictureSize(photo.subarray(0, 40))).toBeUndefined();
  });
});

describe('HeicDecoder', () => {
  it('refuses a picture declaring more pixels than an iPhone takes, without decoding it', async () => {
    await expect(decoder.toJpeg(claimingSize(100_000, 100_000), { label: 'IMG_0001.HEIC' })).rejects.toMatchObject({
      code: 'unsupported', message: expect.stringMatching(/^IMG_0001\.HEIC says it is 100000×100000 pixels/) as unknown as string,
    });
    await expect(decoder.thumbnail(Buffer.from('not a picture'))).rejects.toMatchObject({ code: 'corrupt', message: 'The photo is not a HEIC picture.' });
  });

  it('converts a HEIC to a full-size JPEG that carries its EXIF capture date', async () => {
    const jpeg = await decoder.toJpeg(photo);
    const picture = decodeJpeg(jpeg);
    expect([picture.width, picture.height]).toEqual([160, 120]);
    expect(jpeg.includes(Buffer.from(exifText, 'latin1'))).toBe(true);
  });

  it('keeps a Live Photo still\'s content identifier in the JPEG, so Apple Photos still pairs it with its .MOV', async () => {
    const identifier = '2F1C0E9A-6B7D-4E21-9C3B-5A8D7E6F1B20';
    const source = heicSource('decoder-live', 20_000, { takenAt, width: 160, height: 120, contentIdentifier: identifier });
    const live = source.readAt(0, source.size);
    expect(appleContentIdentifier(live)).toBe(identifier);
    expect(appleContentIdentifier(await decoder.toJpeg(live))).toBe(identifier);
  });

  it('makes a thumbnail no larger than asked', async () => {
    const thumbnail = decodeJpeg(await decoder.thumbnail(photo, 64));
    expect([thumbnail.width, thumbnail.height]).toEqual([64, 48]);
  });

  it('says a damaged HEIC cannot be decoded, stops one that outlives its deadline, and decodes the next one', async () => {
    // Cut short: its meta box points past the end of the file.
    const sample = Buffer.from(HEIC_SAMPLES_BASE64.landscape[1] ?? '', 'base64');
    const damaged = sample.subarray(0, sample.length - 400);
    await expect(decoder.toJpeg(damaged, { label: 'IMG_0002.HEIC' })).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/^IMG_0002\.HEIC could not be decoded/) as unknown as string });
    await expect(decoder.toJpeg(photo, { deadlineMs: 1 })).rejects.toMatchObject({ code: 'timeout' });
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(decoder.thumbnail(photo, 64, { signal: cancelled.signal })).rejects.toThrow();
    expect(decodeJpeg(await decoder.thumbnail(photo, 32)).width).toBe(32);
  });

  it('serves a thumbnail asked for twice from one decode', async () => {
    const previews = new HeicPreviews();
    let reads = 0;
    const load = async () => {
      reads += 1;
      return photo;
    };
    const [a, b] = await Promise.all([previews.thumbnail('backup|file', load), previews.thumbnail('backup|file', load)]);
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
    expect(await previews.thumbnail('backup|file', load)).toBe(a);
    expect(reads).toBe(1);
    expect(await previews.thumbnail('backup|broken', async () => Buffer.from('nope'))).toBeUndefined();
    await previews.close();
  });
});

describe('the pieces around the decoder', () => {
  it('puts EXIF into a JPEG as an APP1 segment right after SOI, still decodable', () => {
    const plain = encodeJpeg({ width: 4, height: 4, data: Buffer.alloc(64, 200) }, 80).data;
    const tiff = Buffer.from('49492a0008000000000000000000', 'hex');
    const tagged = withExif(plain, tiff);
    expect(tagged.readUInt16BE(2)).toBe(0xffe1);
    expect(tagged.toString('latin1', 6, 12)).toBe('Exif\0\0');
    expect(decodeJpeg(tagged).width).toBe(4);
    expect(withExif(plain, undefined)).toBe(plain);
  });

  it('shrinks a picture by averaging the pixels each output pixel covers', () => {
    const data = Uint8Array.from([0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255, 255, 255, 255, 255]);
    expect(downscaleRgba({ width: 4, height: 1, data }, 2)).toEqual({ width: 2, height: 1, data: Uint8Array.from([50, 50, 50, 255, 228, 228, 228, 255]) });
    const small = { width: 2, height: 2, data: new Uint8Array(16) };
    expect(downscaleRgba(small, 8)).toBe(small);
  });

  it('keeps thumbnails within its byte budget, newest kept, and never caches a failure', async () => {
    const cache = new ThumbnailCache(10);
    await cache.get('a', async () => Buffer.alloc(4));
    await cache.get('b', async () => Buffer.alloc(4));
    await cache.get('a', async () => Buffer.alloc(0)); // a is used again: b is now the oldest
    await cache.get('c', async () => Buffer.alloc(4));
    expect(cache.size).toEqual({ entries: 2, bytes: 8 });
    let made = 0;
    await cache.get('b', async () => ((made += 1), Buffer.alloc(4)));
    expect(made).toBe(1);
    expect(await cache.get('x', async () => undefined)).toBeUndefined();
    expect(await cache.get('x', async () => Buffer.alloc(1))).toEqual(Buffer.alloc(1));
  });
});
