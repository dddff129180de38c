import { localWallClock, readExifPayloadCaptureDate, readJpegCaptureDate, readTiffCaptureDate, type WallClockDate } from './exif-date';
import { isHeifBrand, looksLikeIsoBmff, type RangeReader, readHeifCaptureDate, readMovieCaptureDate } from './isobmff-dates';

/**
 * When a photo or video was taken: the date inside the file when it has one (EXIF of JPEG, HEIC,
 * PNG, TIFF/DNG; the movie header of MOV/MP4), else the phone's file creation time, else its
 * modification time (protocol.md §4.4 gives both as st_birthtime and st_mtime).
 */
export type CaptureDateSource = 'exif' | 'movie-header' | 'file-created' | 'file-modified' | 'unknown';

export interface CaptureDate {
  /** The calendar date the person saw; it picks the YYYY/MM folder. */
  readonly wallClock: WallClockDate;
  readonly source: CaptureDateSource;
}

/** Reads the date embedded in a file's content, or undefined. `head` is the file's first bytes. */
export async function readEmbeddedCaptureDate(head: Buffer, fileSize: number, read: RangeReader): Promise<CaptureDate | undefined> {
  try {
    if (head.length >= 2 && head[0] === 0xff && head[1] === 0xd8) return exif(readJpegCaptureDate(head));
    const order = head.toString('latin1', 0, 4);
    if (order === 'II*\0' || order === 'MM\0*') return exif(readTiffCaptureDate(head));
    if (head.length >= 8 && head.toString('latin1', 0, 8) === '\x89PNG\r\n\x1a\n') return exif(readPngCaptureDate(head));
    if (isHeifBrand(head)) return exif(await readHeifCaptureDate(withHead(head, read), fileSize));
    if (looksLikeIsoBmff(head)) {
      const wallClock = await readMovieCaptureDate(withHead(head, read), fileSize);
      return wallClock && { wallClock, source: 'movie-header' };
    }
  } catch (error) {
    // A damaged file has no usable date; a failing connection must still stop the import.
    if (!(error instanceof RangeError)) throw error;
  }
  return undefined;
}

/** The fallback when the content says nothing: the phone's creation, then modification time. */
export function fileCaptureDate(created: Date | undefined, modified: Date | undefined): CaptureDate {
  if (created && created.getTime() > 0) return { wallClock: localWallClock(created), source: 'file-created' };
  if (modified && modified.getTime() > 0) return { wallClock: localWallClock(modified), source: 'file-modified' };
  return { wallClock: localWallClock(new Date(0)), source: 'unknown' };
}

function exif(wallClock: WallClockDate | undefined): CaptureDate | undefined {
  return wallClock && { wallClock, source: 'exif' };
}

/** Serves reads inside the already-read head from memory, so small files cost no extra round trip. */
function withHead(head: Buffer, read: RangeReader): RangeReader {
  return async (offset, length) => {
    if (offset + length <= head.length) return head.subarray(offset, offset + length);
    return read(offset, length);
  };
}

/** PNG `eXIf` chunk (PNG 1.5 extension), found among the chunks before the first `IDAT`. */
function readPngCaptureDate(head: Buffer): WallClockDate | undefined {
  let at = 8;
  for (let chunks = 0; chunks < 64 && at + 8 <= head.length; chunks++) {
    const length = head.readUInt32BE(at);
    const type = head.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') return undefined;
    const end = at + 8 + length;
    if (end > head.length) return undefined;
    if (type === 'eXIf') return readExifPayloadCaptureDate(head.subarray(at + 8, end));
    at = end + 4; // CRC
  }
  return undefined;
}
