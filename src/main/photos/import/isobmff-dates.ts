import { localWallClock, readExifPayloadCaptureDate, type WallClockDate } from './exif-date';

/**
 * Capture dates inside ISO base media files (ISO/IEC 14496-12): HEIC photos keep EXIF as an item
 * of type `Exif` located by the `meta` box's `iinf`/`iloc` (ISO/IEC 23008-12); MOV/MP4 videos keep
 * a creation time in `moov/mvhd` (seconds since 1904, UTC). Boxes are read by range so a video
 * whose `moov` sits at the end is not downloaded to find it. Every length is checked: the file
 * comes from the device and may be damaged.
 */

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type RangeReader = (offset: number, length: number) => Promise<Buffer>;

interface Box {
  readonly type: string;
  /** Where the box's content starts (after size, type and any 64-bit size). */
  readonly contentStart: number;
  readonly end: number;
}

/** Top-level boxes visited at most; a real file has a handful. */
const MAX_BOXES = 64;
/** `meta` and EXIF payloads above this are not plausible for a photo; we do not read them. */
const MAX_META_BYTES = 1024 * 1024;
const MAX_EXIF_BYTES = 1024 * 1024;
/** Seconds from 1904-01-01 (QuickTime epoch) to 1970-01-01. */
const QUICKTIME_EPOCH_OFFSET = 2_082_844_800;

/** The box headers between `start` and `end`, read 16 bytes at a time. */
async function listBoxes(read: RangeReader, start: number, end: number): Promise<Box[]> {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end && boxes.length < MAX_BOXES) {
    const header = await read(at, 16);
    if (header.length < 8) break;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let contentStart = at + 8;
    if (size === 1) {
      if (header.length < 16) break;
      const large = header.readBigUInt64BE(8);
      if (large > BigInt(Number.MAX_SAFE_INTEGER)) break;
      size = Number(large);
      contentStart = at + 16;
    } else if (size === 0) {
      size = end - at; // runs to the end of its parent
    }
    if (size < contentStart - at || at + size > end) break;
    boxes.push({ type, contentStart, end: at + size });
    at += size;
  }
  return boxes;
}

/** True when the file starts with an ISO BMFF box (`ftyp`, or a QuickTime `wide`/`mdat`/`moov`). */
export function looksLikeIsoBmff(head: Buffer): boolean {
  if (head.length < 12) return false;
  return ['ftyp', 'wide', 'mdat', 'moov', 'free', 'skip'].includes(head.toString('latin1', 4, 8));
}

/** HEIF brands (ISO/IEC 23008-12 Annex B) whose files keep EXIF as an item. */
export function isHeifBrand(head: Buffer): boolean {
  if (head.length < 12 || head.toString('latin1', 4, 8) !== 'ftyp') return false;
  return ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif'].includes(head.toString('latin1', 8, 12));
}

/** The EXIF capture date of a HEIF/HEIC image, or undefined. */
export async function readHeifCaptureDate(read: RangeReader, fileSize: number): Promise<WallClockDate | undefined> {
  const tiff = await readHeifExif(read, fileSize);
  return tiff && readExifPayloadCaptureDate(tiff);
}

/**
 * The EXIF of a HEIF/HEIC image as a TIFF block (from its `II`/`MM` header, what a JPEG's APP1
 * carries after `Exif\0\0`), or undefined when it has none.
 */
export async function readHeifExif(read: RangeReader, fileSize: number): Promise<Buffer | undefined> {
  const meta = (await listBoxes(read, 0, fileSize)).find((box) => box.type === 'meta');
  if (!meta || meta.end - meta.contentStart > MAX_META_BYTES) return undefined;
  const metaBytes = await read(meta.contentStart, meta.end - meta.contentStart);
  // `meta` is a FullBox: 4 bytes of version and flags before its children.
  const children = childBoxes(metaBytes, 4);
  const iinf = children.find((box) => box.type === 'iinf');
  const iloc = children.find((box) => box.type === 'iloc');
  if (!iinf || !iloc) return undefined;
  const exifItem = findExifItemId(metaBytes.subarray(iinf.contentStart, iinf.end));
  if (exifItem === undefined) return undefined;
  const extent = findItemExtent(metaBytes.subarray(iloc.contentStart, iloc.end), exifItem);
  if (!extent || extent.length < 4 || extent.length > MAX_EXIF_BYTES || extent.offset + extent.length > fileSize) return undefined;
  const payload = await read(extent.offset, extent.length);
  if (payload.length < 4) return undefined;
  // The item starts with a u32 offset to the TIFF header, usually past an "Exif\0\0" prefix.
  const tiffOffset = payload.readUInt32BE(0);
  if (4 + tiffOffset > payload.length) return undefined;
  return payload.subarray(4 + tiffOffset);
}

/** Boxes inside an in-memory box body, from `start`. */
function childBoxes(body: Buffer, start: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= body.length && boxes.length < MAX_BOXES) {
    const size = body.readUInt32BE(at);
    const type = body.toString('latin1', at + 4, at + 8);
    const end = size === 0 ? body.length : at + size;
    if (size !== 0 && size < 8) break;
    if (end > body.length) break;
    boxes.push({ type, contentStart: at + 8, end });
    at = end;
  }
  return boxes;
}

/** `iinf` → the item_ID of the first `infe` (version 2/3) with item_type `Exif`. */
function findExifItemId(iinf: Buffer): number | undefined {
  if (iinf.length < 6) return undefined;
  const version = iinf[0];
  const entriesStart = version === 0 ? 6 : 8;
  for (const infe of childBoxes(iinf, entriesStart)) {
    if (infe.type !== 'infe') continue;
    const body = iinf.subarray(infe.contentStart, infe.end);
    const infeVersion = body[0] ?? 0;
    if (infeVersion === 2 && body.length >= 12 && body.toString('latin1', 8, 12) === 'Exif') return body.readUInt16BE(4);
    if (infeVersion === 3 && body.length >= 14 && body.toString('latin1', 10, 14) === 'Exif') return body.readUInt32BE(4);
  }
  return undefined;
}

/** `iloc` → file offset and length of an item's first extent (construction method 0, in this file). */
function findItemExtent(iloc: Buffer, itemId: number): { offset: number; length: number } | undefined {
  let at = 0;
  const take = (bytes: number): number | undefined => {
    if (bytes === 0) return 0;
    if (at + bytes > iloc.length) return undefined;
    const value = bytes === 2 ? iloc.readUInt16BE(at) : bytes === 4 ? iloc.readUInt32BE(at) : bytes === 8 ? Number(iloc.readBigUInt64BE(at)) : undefined;
    at += bytes;
    return value;
  };
  const version = take(4) === undefined ? undefined : iloc[0];
  if (version === undefined || version > 2) return undefined;
  const sizes = take(2);
  if (sizes === undefined) return undefined;
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0xf;
  const baseOffsetSize = (sizes >> 4) & 0xf;
  const indexSize = version === 0 ? 0 : sizes & 0xf;
  const itemCount = take(version < 2 ? 2 : 4);
  if (itemCount === undefined) return undefined;
  for (let item = 0; item < itemCount; item++) {
    const id = take(version < 2 ? 2 : 4);
    const method = version === 0 ? 0 : (take(2) ?? -1) & 0xf;
    const dataReference = take(2);
    const baseOffset = take(baseOffsetSize);
    const extentCount = take(2);
    if (id === undefined || dataReference === undefined || baseOffset === undefined || extentCount === undefined) return undefined;
    let first: { offset: number; length: number } | undefined;
    for (let extent = 0; extent < extentCount; extent++) {
      if (take(indexSize) === undefined) return undefined;
      const offset = take(offsetSize);
      const length = take(lengthSize);
      if (offset === undefined || length === undefined) return undefined;
      first ??= { offset: baseOffset + offset, length };
    }
    if (id === itemId) return method === 0 && dataReference === 0 ? first : undefined;
  }
  return undefined;
}

/** The creation time of a QuickTime/MP4 movie (`moov/mvhd`), as this computer's wall clock. */
export async function readMovieCaptureDate(read: RangeReader, fileSize: number): Promise<WallClockDate | undefined> {
  const moov = (await listBoxes(read, 0, fileSize)).find((box) => box.type === 'moov');
  if (!moov) return undefined;
  const mvhd = (await listBoxes(read, moov.contentStart, moov.end)).find((box) => box.type === 'mvhd');
  if (!mvhd) return undefined;
  const body = await read(mvhd.contentStart, 16);
  if (body.length < 8) return undefined;
  const seconds = body[0] === 1 ? (body.length >= 12 ? Number(body.readBigUInt64BE(4)) : 0) : body.readUInt32BE(4);
  // 0 means "not set"; anything before 1990 is a camera without a clock.
  const unixSeconds = seconds - QUICKTIME_EPOCH_OFFSET;
  if (seconds === 0 || unixSeconds < 631_152_000) return undefined;
  return localWallClock(new Date(unixSeconds * 1000));
}
