import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildExifSegment } from '../../../simulator/phone/content/exif';
import { fileCaptureDate, readEmbeddedCaptureDate } from './capture-date';
import { localWallClock } from './exif-date';

/** Capture dates out of HEIC, MOV/MP4 and PNG built by hand, read through range reads as over AFC. */

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(body.length + 8, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function fullBox(type: string, version: number, ...parts: Buffer[]): Buffer {
  return box(type, Buffer.from([version, 0, 0, 0]), ...parts);
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value, 0);
  return bytes;
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

/** The TIFF of the simulator's EXIF segment (after marker, length and "Exif\0\0"). */
function tiffFor(takenAt: number): Buffer {
  return buildExifSegment({ takenAt, make: 'Apple', model: 'iPhone 15' }).subarray(10);
}

/** A HEIC whose Exif item sits in `mdat` after `pixelBytes` of image data. */
function heic(takenAt: number, pixelBytes: number, ilocVersion: 0 | 1 = 1): Buffer {
  const exifItem = Buffer.concat([u32(6), Buffer.from('Exif\0\0', 'latin1'), tiffFor(takenAt)]);
  const ftyp = box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1heic', 'latin1'));
  const build = (pixelsAt: number, exifAt: number): Buffer => {
    const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(13));
    const iinf = fullBox(
      'iinf',
      0,
      u16(2),
      fullBox('infe', 2, u16(1), u16(0), Buffer.from('hvc1\0', 'latin1')),
      fullBox('infe', 2, u16(2), u16(0), Buffer.from('Exif\0', 'latin1')),
    );
    const item = (id: number, offset: number, length: number): Buffer =>
      Buffer.concat([u16(id), ...(ilocVersion === 1 ? [u16(0)] : []), u16(0), u16(1), u32(offset), u32(length)]);
    const iloc = fullBox('iloc', ilocVersion, Buffer.from([0x44, 0x00]), u16(2), item(1, pixelsAt, pixelBytes), item(2, exifAt, exifItem.length));
    return fullBox('meta', 0, hdlr, iinf, iloc);
  };
  const metaLength = build(0, 0).length;
  const pixelsAt = ftyp.length + metaLength + 8;
  const meta = build(pixelsAt, pixelsAt + pixelBytes);
  return Buffer.concat([ftyp, meta, box('mdat', Buffer.alloc(pixelBytes, 0x5a), exifItem)]);
}

function movie(createdUnix: number, version: 0 | 1, moovAtEnd: boolean): Buffer {
  const created = createdUnix + 2_082_844_800;
  const times =
    version === 0
      ? Buffer.concat([u32(created), u32(created), u32(600), u32(6000)])
      : Buffer.concat([Buffer.from(BigInt(created).toString(16).padStart(16, '0'), 'hex'), Buffer.alloc(8), u32(600), Buffer.alloc(8)]);
  const moov = box('moov', fullBox('mvhd', version, times, Buffer.alloc(80)), box('trak', Buffer.alloc(40)));
  const ftyp = box('ftyp', Buffer.from('qt  ', 'latin1'), u32(0), Buffer.from('qt  ', 'latin1'));
  const mdat = box('mdat', Buffer.alloc(300_000, 7));
  return Buffer.concat(moovAtEnd ? [ftyp, box('wide'), mdat, moov] : [ftyp, moov, mdat]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  return Buffer.concat([u32(data.length), Buffer.from(type, 'latin1'), data, u32(0)]);
}

/** Reads from an in-memory file, counting bytes, as RemoteFile.readAt would over AFC. */
function reader(file: Buffer): { read: (offset: number, length: number) => Promise<Buffer>; bytesRead: () => number } {
  let total = 0;
  return {
    read: async (offset, length) => {
      const slice = file.subarray(offset, Math.min(file.length, offset + length));
      total += slice.length;
      return slice;
    },
    bytesRead: () => total,
  };
}

async function dateOf(file: Buffer, headBytes = 128 * 1024): Promise<Awaited<ReturnType<typeof readEmbeddedCaptureDate>>> {
  return readEmbeddedCaptureDate(file.subarray(0, headBytes), file.length, reader(file).read);
}

describe('capture dates inside the file', () => {
  const takenAt = Date.UTC(2022, 9, 31, 23, 59, 58) / 1000;

  it('finds the Exif item of a HEIC through meta/iinf/iloc, also beyond the first read', async () => {
    for (const version of [0, 1] as const) {
      const file = heic(takenAt, 300_000, version);
      const source = reader(file);
      const date = await readEmbeddedCaptureDate(file.subarray(0, 64 * 1024), file.length, source.read);
      expect(date, `iloc v${version}`).toEqual({ source: 'exif', wallClock: { year: 2022, month: 10, day: 31, hour: 23, minute: 59, second: 58, offsetMinutes: 0 } });
      // Box headers and the EXIF payload only, not the 300 KB of pixels.
      expect(source.bytesRead()).toBeLessThan(8 * 1024);
    }
  });

  it('reads the movie header of a MOV, with moov at the start or the end, mvhd version 0 or 1', async () => {
    for (const [version, atEnd] of [[0, false], [0, true], [1, true]] as const) {
      const file = movie(takenAt, version, atEnd);
      const source = reader(file);
      const date = await readEmbeddedCaptureDate(file.subarray(0, 1024), file.length, source.read);
      expect(date, `v${version} at end ${atEnd}`).toEqual({ source: 'movie-header', wallClock: localWallClock(new Date(takenAt * 1000)) });
      expect(source.bytesRead()).toBeLessThan(4 * 1024);
    }
  });

  it('reads a PNG eXIf chunk before the image data', async () => {
    const ihdr = pngChunk('IHDR', Buffer.alloc(13));
    const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), ihdr, pngChunk('eXIf', tiffFor(takenAt)), pngChunk('IDAT', deflateSync(Buffer.alloc(10))), pngChunk('IEND', Buffer.alloc(0))]);
    expect(await dateOf(png)).toMatchObject({ source: 'exif', wallClock: { year: 2022, month: 10, day: 31 } });
  });

  it('says nothing for files without a date and survives damaged boxes', async () => {
    expect(await dateOf(Buffer.from('plain text, not a photo'))).toBeUndefined();
    expect(await dateOf(movie(0, 0, false))).toBeUndefined();
    const file = heic(takenAt, 1000);
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(file);
      for (let flips = 0; flips < 3; flips++) damaged[Math.floor(random() * 400)] = Math.floor(random() * 256);
      // Resolving at all is the point: a damaged box must not throw or loop.
      const date = await dateOf(damaged);
      if (date) expect(date.wallClock.year).toBeGreaterThanOrEqual(1900);
    }
  });

  it('falls back to the creation time, then the modification time, as this computer\'s calendar', () => {
    const created = new Date(Date.UTC(2020, 0, 15, 12));
    const modified = new Date(Date.UTC(2021, 5, 1, 12));
    expect(fileCaptureDate(created, modified)).toEqual({ source: 'file-created', wallClock: localWallClock(created) });
    expect(fileCaptureDate(undefined, modified)).toEqual({ source: 'file-modified', wallClock: localWallClock(modified) });
    expect(fileCaptureDate(undefined, undefined).source).toBe('unknown');
  });
});
