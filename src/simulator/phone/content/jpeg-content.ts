import { encode as encodeJpeg } from 'jpeg-js';
import { pseudoRandomBytes, SeededRandom, seedFor } from '../seeded-random';
import { bufferSource, concatSources, SmallCache, type ContentSource } from './content-source';
import { buildExifSegment } from './exif';

/**
 * Camera Roll photos: real, decodable JPEGs carrying their capture date in EXIF, padded to a
 * realistic size with application segments full of deterministic bytes (decoders skip APPn
 * segments by their length, so the picture stays valid). Layout:
 * SOI | APP1 Exif | APP11 padding… | the encoded picture (without its own SOI).
 */
export interface JpegParams {
  readonly takenAt: number;
  readonly model: string;
  readonly width: number;
  readonly height: number;
  /** A Live Photo's identifier, kept in Apple's MakerNote (exif.ts appleMakerNote). */
  readonly contentIdentifier?: string;
}

const PADDING_MARKER = 0xffeb; // APP11, unused by iOS, so no reader mistakes it for metadata
const MAX_SEGMENT_BYTES = 2 + 65535;
/** Smallest size a generated JPEG may be given: SOI + EXIF + a small picture fit comfortably. */
export const MIN_GENERATED_JPEG_BYTES = 12_000;

/**
 * jpeg-js spends ~20 ms per encode whatever the size, which would dominate a 2,000-photo backup,
 * so photos draw their picture from a small pool of scenes; EXIF and padding still make every
 * file unique.
 */
const PICTURE_VARIANTS = 12;
const pictures = new SmallCache<Buffer>(PICTURE_VARIANTS * 2);

/** A deterministic little scene: a sky-to-ground gradient with a few coloured discs. */
function encodePicture(key: string, width: number, height: number): Buffer {
  const variant = seedFor(key) % PICTURE_VARIANTS;
  return pictures.getOrCreate(`${variant}|${width}x${height}`, () => {
    const random = new SeededRandom('picture', variant);
    const top = [random.int(40, 200), random.int(80, 220), random.int(150, 255)];
    const bottom = [random.int(20, 120), random.int(60, 160), random.int(10, 90)];
    const discs = Array.from({ length: random.int(2, 5) }, () => ({
      x: random.int(0, width), y: random.int(0, height), r: random.int(6, Math.max(8, height / 3)),
      color: [random.int(0, 255), random.int(0, 255), random.int(0, 255)],
    }));
    const data = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      const t = y / Math.max(1, height - 1);
      // The sky-to-ground colour of this row, computed once instead of per pixel (an array each).
      const sky = [0, 1, 2].map((i) => Math.round((top[i] ?? 0) * (1 - t) + (bottom[i] ?? 0) * t));
      for (let x = 0; x < width; x++) {
        let rgb = sky;
        for (const disc of discs) {
          if ((x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2) rgb = disc.color;
        }
        const at = (y * width + x) * 4;
        data[at] = rgb[0] ?? 0;
        data[at + 1] = rgb[1] ?? 0;
        data[at + 2] = rgb[2] ?? 0;
        data[at + 3] = 255;
      }
    }
    return encodeJpeg({ width, height, data }, 85).data;
  });
}

/** Lengths of padding segments adding up to exactly `total` bytes (each at least 4). */
function paddingSegments(total: number): number[] {
  const lengths: number[] = [];
  let left = total;
  while (left > 0) {
    if (left <= MAX_SEGMENT_BYTES) {
      lengths.push(left);
      left = 0;
    } else if (left - MAX_SEGMENT_BYTES < 4) {
      // Leave at least a minimal segment for the remainder.
      lengths.push(MAX_SEGMENT_BYTES - 4);
      left -= MAX_SEGMENT_BYTES - 4;
    } else {
      lengths.push(MAX_SEGMENT_BYTES);
      left -= MAX_SEGMENT_BYTES;
    }
  }
  return lengths;
}

function paddingSource(key: string, total: number): ContentSource {
  const lengths = paddingSegments(total);
  const starts: number[] = [];
  let at = 0;
  for (const length of lengths) {
    starts.push(at);
    at += length;
  }
  return {
    size: total,
    readAt(offset, length) {
      const end = Math.min(total, offset + length);
      const bytes = Buffer.from(pseudoRandomBytes(`${key}|jpeg-padding`, offset, end - offset));
      lengths.forEach((segmentLength, index) => {
        const start = starts[index] ?? 0;
        const header = Buffer.alloc(4);
        header.writeUInt16BE(PADDING_MARKER, 0);
        header.writeUInt16BE(segmentLength - 2, 2);
        for (let i = 0; i < 4; i++) {
          const position = start + i;
          if (position >= offset && position < end) bytes[position - offset] = header[i] ?? 0;
        }
      });
      return bytes;
    },
  };
}

export function jpegSource(key: string, size: number, params: JpegParams): ContentSource {
  const picture = encodePicture(key, params.width, params.height).subarray(2); // drop its SOI
  let exif = buildExifSegment({ takenAt: params.takenAt, make: 'Apple', model: params.model, ...(params.contentIdentifier === undefined ? {} : { contentIdentifier: params.contentIdentifier }) });
  let padding = size - 2 - exif.length - picture.length;
  if (padding < 0) {
    throw new Error(`A generated photo of ${size} bytes is too small to hold its ${params.width}×${params.height} picture.`);
  }
  if (padding > 0 && padding < 4) {
    // Too little room for a segment: let the EXIF segment carry the odd bytes instead.
    const grown = Buffer.concat([exif, Buffer.alloc(padding)]);
    grown.writeUInt16BE(grown.length - 2, 2);
    exif = grown;
    padding = 0;
  }
  return concatSources([
    bufferSource(Buffer.concat([Buffer.from([0xff, 0xd8]), exif])),
    paddingSource(key, padding),
    bufferSource(picture),
  ]);
}
