/**
 * Reading the capture date out of EXIF (a TIFF structure): DateTimeOriginal (0x9003) in the Exif
 * sub-IFD, with OffsetTimeOriginal (0x9011, EXIF 2.31, written by iOS 11+) when present; the
 * IFD0 DateTime (0x0132) only as a last resort, since editors rewrite it.
 *
 * Photos come from an untrusted device, so every offset is bounds-checked, loops are capped and
 * anything malformed yields `undefined` rather than an exception.
 */

/** A capture date as the camera wrote it: the wall clock of the place the photo was taken. */
export interface WallClockDate {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Minutes east of UTC when the file says so (OffsetTimeOriginal); undefined when unknown. */
  readonly offsetMinutes: number | undefined;
}

const TAG_DATETIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATETIME_ORIGINAL = 0x9003;
const TAG_OFFSET_TIME_ORIGINAL = 0x9011;
const TYPE_ASCII = 2;
const TYPE_LONG = 4;
const TYPE_IFD = 13;
/** More entries than any camera writes: a larger count means we are reading garbage. */
const MAX_IFD_ENTRIES = 1000;

interface TiffView {
  readonly bytes: Buffer;
  readonly littleEndian: boolean;
}

function u16(view: TiffView, at: number): number | undefined {
  if (at < 0 || at + 2 > view.bytes.length) return undefined;
  return view.littleEndian ? view.bytes.readUInt16LE(at) : view.bytes.readUInt16BE(at);
}

function u32(view: TiffView, at: number): number | undefined {
  if (at < 0 || at + 4 > view.bytes.length) return undefined;
  return view.littleEndian ? view.bytes.readUInt32LE(at) : view.bytes.readUInt32BE(at);
}

interface IfdEntry {
  readonly type: number;
  readonly count: number;
  /** TIFF offset of the value (inline values sit in the entry itself). */
  readonly valueAt: number;
  readonly inlineLong: number | undefined;
}

function readIfd(view: TiffView, offset: number): Map<number, IfdEntry> {
  const entries = new Map<number, IfdEntry>();
  const count = u16(view, offset);
  if (count === undefined || count > MAX_IFD_ENTRIES) return entries;
  for (let index = 0; index < count; index++) {
    const at = offset + 2 + index * 12;
    const tag = u16(view, at);
    const type = u16(view, at + 2);
    const valueCount = u32(view, at + 4);
    if (tag === undefined || type === undefined || valueCount === undefined) break;
    // ASCII values longer than 4 bytes live elsewhere; the entry then holds their offset.
    const inline = type === TYPE_ASCII ? valueCount <= 4 : true;
    const pointer = u32(view, at + 8);
    const valueAt = inline ? at + 8 : (pointer ?? -1);
    entries.set(tag, { type, count: valueCount, valueAt, inlineLong: type === TYPE_LONG || type === TYPE_IFD ? pointer : undefined });
  }
  return entries;
}

function asciiValue(view: TiffView, entry: IfdEntry | undefined): string | undefined {
  if (!entry || entry.type !== TYPE_ASCII || entry.count === 0 || entry.count > 64) return undefined;
  if (entry.valueAt < 0 || entry.valueAt + entry.count > view.bytes.length) return undefined;
  return view.bytes.toString('latin1', entry.valueAt, entry.valueAt + entry.count).replace(/\0.*$/s, '');
}

/** `YYYY:MM:DD HH:MM:SS` (EXIF 2.3 §4.6.5); also tolerates `-` as the date separator. */
export function parseExifDateTime(text: string | undefined, offsetText?: string): WallClockDate | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  // Cameras with an unset clock write zeros ("0000:00:00 00:00:00"): no date at all.
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  return { year, month, day, hour, minute, second, offsetMinutes: parseOffset(offsetText) };
}

/** `+HH:MM` / `-HH:MM` (OffsetTimeOriginal). */
function parseOffset(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^([+-])(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (minutes > 14 * 60) return undefined;
  return match[1] === '-' ? -minutes : minutes;
}

/** The capture date in a TIFF structure (`II*\0` or `MM\0*` first), or undefined. */
export function readTiffCaptureDate(tiff: Buffer): WallClockDate | undefined {
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const view: TiffView = { bytes: tiff, littleEndian: order === 'II' };
  if (u16(view, 2) !== 42) return undefined;
  const ifd0Offset = u32(view, 4);
  if (ifd0Offset === undefined) return undefined;
  const ifd0 = readIfd(view, ifd0Offset);
  const exifPointer = ifd0.get(TAG_EXIF_IFD)?.inlineLong;
  if (exifPointer !== undefined && exifPointer !== ifd0Offset) {
    const exif = readIfd(view, exifPointer);
    const original = parseExifDateTime(asciiValue(view, exif.get(TAG_DATETIME_ORIGINAL)), asciiValue(view, exif.get(TAG_OFFSET_TIME_ORIGINAL)));
    if (original) return original;
  }
  return parseExifDateTime(asciiValue(view, ifd0.get(TAG_DATETIME)));
}

/** The TIFF body of an EXIF payload: `Exif\0\0` then TIFF (JPEG APP1, PNG eXIf has no prefix). */
export function readExifPayloadCaptureDate(payload: Buffer): WallClockDate | undefined {
  const body = payload.toString('latin1', 0, 6) === 'Exif\0\0' ? payload.subarray(6) : payload;
  return readTiffCaptureDate(body);
}

/**
 * The capture date of a JPEG from its first bytes: walks the marker segments before the image
 * data looking for an APP1 `Exif` segment. `head` may be a prefix of the file; a segment cut off
 * by the end of `head` is simply not found.
 */
export function readJpegCaptureDate(head: Buffer): WallClockDate | undefined {
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return undefined;
  let at = 2;
  // A JPEG has a handful of segments before the scan; 64 covers anything a camera writes.
  for (let segments = 0; segments < 64 && at + 4 <= head.length; segments++) {
    if (head[at] !== 0xff) return undefined;
    const marker = head[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Start of scan or end of image: the metadata segments are over.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = head.readUInt16BE(at + 2);
    if (length < 2) return undefined;
    const end = at + 2 + length;
    if (marker === 0xe1 && end <= head.length && head.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      const date = readExifPayloadCaptureDate(head.subarray(at + 4, end));
      if (date) return date;
    }
    at = end;
  }
  return undefined;
}

/** The moment a wall-clock date stands for: exact with an offset, else read as this computer's local time. */
export function wallClockToDate(date: WallClockDate): Date {
  if (date.offsetMinutes !== undefined) {
    const utc = Date.UTC(date.year, date.month - 1, date.day, date.hour, date.minute, date.second);
    return new Date(utc - date.offsetMinutes * 60_000);
  }
  return new Date(date.year, date.month - 1, date.day, date.hour, date.minute, date.second);
}

/** The wall clock of this computer at `moment`, for files without EXIF (folder by local calendar). */
export function localWallClock(moment: Date): WallClockDate {
  return {
    year: moment.getFullYear(),
    month: moment.getMonth() + 1,
    day: moment.getDate(),
    hour: moment.getHours(),
    minute: moment.getMinutes(),
    second: moment.getSeconds(),
    offsetMinutes: -moment.getTimezoneOffset(),
  };
}
