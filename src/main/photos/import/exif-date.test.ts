import { describe, expect, it } from 'vitest';
import { buildExifSegment } from '../../../simulator/phone/content/exif';
import { parseExifDateTime, readJpegCaptureDate, readTiffCaptureDate, wallClockToDate } from './exif-date';

/** A big-endian TIFF with IFD0 (DateTime) → Exif IFD (DateTimeOriginal, OffsetTimeOriginal), built by hand. */
function bigEndianTiff(options: { original?: string; offset?: string; ifd0Date?: string }): Buffer {
  const strings: { tag: number; text: string; ifd: 0 | 1 }[] = [];
  if (options.ifd0Date) strings.push({ tag: 0x0132, text: options.ifd0Date, ifd: 0 });
  if (options.original) strings.push({ tag: 0x9003, text: options.original, ifd: 1 });
  if (options.offset) strings.push({ tag: 0x9011, text: options.offset, ifd: 1 });
  const ifd0Entries = strings.filter((s) => s.ifd === 0).length + 1;
  const exifEntries = strings.filter((s) => s.ifd === 1).length;
  const ifd0At = 8;
  const exifAt = ifd0At + 2 + ifd0Entries * 12 + 4;
  let valuesAt = exifAt + 2 + exifEntries * 12 + 4;
  const bytes = Buffer.alloc(valuesAt + strings.length * 32);
  bytes.write('MM', 0, 'latin1');
  bytes.writeUInt16BE(42, 2);
  bytes.writeUInt32BE(ifd0At, 4);
  const writeEntries = (at: number, ifd: 0 | 1, withPointer: boolean): void => {
    const mine = strings.filter((s) => s.ifd === ifd);
    bytes.writeUInt16BE(mine.length + (withPointer ? 1 : 0), at);
    let entry = at + 2;
    for (const field of mine) {
      const text = Buffer.from(`${field.text}\0`, 'latin1');
      bytes.writeUInt16BE(field.tag, entry);
      bytes.writeUInt16BE(2, entry + 2);
      bytes.writeUInt32BE(text.length, entry + 4);
      if (text.length <= 4) text.copy(bytes, entry + 8);
      else {
        bytes.writeUInt32BE(valuesAt, entry + 8);
        text.copy(bytes, valuesAt);
        valuesAt += 32;
      }
      entry += 12;
    }
    if (withPointer) {
      bytes.writeUInt16BE(0x8769, entry);
      bytes.writeUInt16BE(4, entry + 2);
      bytes.writeUInt32BE(1, entry + 4);
      bytes.writeUInt32BE(exifAt, entry + 8);
    }
  };
  writeEntries(ifd0At, 0, true);
  writeEntries(exifAt, 1, false);
  return bytes;
}

function jpegWith(...segments: Buffer[]): Buffer {
  const app0 = Buffer.concat([Buffer.from([0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, ...segments, Buffer.from([0xff, 0xda, 0x00, 0x02, 0x11, 0x22])]);
}

function app1(tiff: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(tiff.length + 8, 2);
  return Buffer.concat([header, Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

describe('EXIF capture dates', () => {
  it('reads DateTimeOriginal and its offset from a big-endian TIFF, preferring it over IFD0 DateTime', () => {
    const date = readTiffCaptureDate(bigEndianTiff({ original: '2021:07:04 23:30:05', offset: '-04:00', ifd0Date: '2022:01:01 00:00:00' }));
    expect(date).toEqual({ year: 2021, month: 7, day: 4, hour: 23, minute: 30, second: 5, offsetMinutes: -240 });
    // 23:30 in New York on the 4th is 03:30 UTC on the 5th.
    expect(wallClockToDate(date as NonNullable<typeof date>).toISOString()).toBe('2021-07-05T03:30:05.000Z');
  });

  it('falls back to IFD0 DateTime, and treats zeroed dates as none', () => {
    expect(readTiffCaptureDate(bigEndianTiff({ ifd0Date: '2019:12:31 08:00:00' }))).toMatchObject({ year: 2019, month: 12, offsetMinutes: undefined });
    expect(readTiffCaptureDate(bigEndianTiff({ original: '0000:00:00 00:00:00' }))).toBeUndefined();
    expect(parseExifDateTime('2020:13:01 00:00:00')).toBeUndefined();
  });

  it('finds the APP1 segment after APP0 in a JPEG, little-endian as the simulator writes it', () => {
    const takenAt = Date.UTC(2023, 1, 28, 22, 15, 0) / 1000;
    const jpeg = jpegWith(buildExifSegment({ takenAt, make: 'Apple', model: 'iPhone 13' }));
    const date = readJpegCaptureDate(jpeg);
    expect(date).toMatchObject({ year: 2023, month: 2, day: 28, hour: 22, minute: 15, offsetMinutes: 0 });
    expect(wallClockToDate(date as NonNullable<typeof date>).getTime()).toBe(takenAt * 1000);
    expect(readJpegCaptureDate(jpegWith(app1(bigEndianTiff({ original: '2018:03:09 10:11:12' }))))).toMatchObject({ year: 2018, month: 3, day: 9 });
  });

  it('returns undefined, never throws, for files without EXIF, cut short or full of garbage', () => {
    const good = jpegWith(app1(bigEndianTiff({ original: '2018:03:09 10:11:12', offset: '+01:00' })));
    expect(readJpegCaptureDate(jpegWith())).toBeUndefined();
    for (let cut = 0; cut < good.length; cut += 7) expect(() => readJpegCaptureDate(good.subarray(0, cut))).not.toThrow();
    let seed = 1;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(good);
      for (let flips = 0; flips < 4; flips++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      expect(() => readJpegCaptureDate(damaged)).not.toThrow();
      expect(() => readTiffCaptureDate(damaged.subarray(30))).not.toThrow();
    }
  });
});
