import { pseudoRandomBytes, seedFor } from '../seeded-random';
import { bufferSource, concatSources, SmallCache, type ContentSource } from './content-source';
import { exifDate } from './exif';
import { HEIC_PLACEHOLDER_CONTENT_IDENTIFIER, HEIC_PLACEHOLDER_TAKEN_AT } from './heic-placeholder';
import { HEIC_SAMPLES_BASE64 } from './heic-samples';

/**
 * Camera Roll HEIC stills (protocol.md §4.5; protocol-notes.md "Camera Roll"): one of a few real
 * HEIC files made by heif-enc (./heic-samples.ts) with its EXIF capture date rewritten in place
 * (the date text has a fixed length, so the `iloc` offsets stay right), then a top-level `free`
 * box of deterministic bytes up to the photo's size. ISO BMFF readers skip `free` boxes, so the
 * picture stays decodable; every file is unique through its date and padding. A Live Photo's still
 * is made from a sample with Apple's MakerNote, its content identifier rewritten in place the same way.
 */
export interface HeicParams {
  readonly takenAt: number;
  readonly width: number;
  readonly height: number;
  /** A Live Photo's identifier, the one its `.MOV` carries (MakerNote tag 0x0011). */
  readonly contentIdentifier?: string;
}

/** A sample plus an 8-byte `free` box header always fit in this. */
export const MIN_GENERATED_HEIC_BYTES = 12_000;

const PLACEHOLDER = Buffer.from(exifDate(HEIC_PLACEHOLDER_TAKEN_AT), 'latin1');
const IDENTIFIER_PLACEHOLDER = Buffer.from(HEIC_PLACEHOLDER_CONTENT_IDENTIFIER, 'latin1');
const FREE_HEADER_BYTES = 8;

interface Sample {
  readonly bytes: Buffer;
  readonly dateOffsets: readonly number[];
  readonly identifierOffsets: readonly number[];
}

/** Decoded samples and where their placeholder dates (and identifiers) sit, decoded once per process. */
const samples = new SmallCache<Sample>(12);

function offsetsOf(bytes: Buffer, needle: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) offsets.push(at);
  return offsets;
}

function sampleFor(key: string, width: number, height: number, live: boolean): Sample {
  const landscape = width >= height;
  const list = live ? (landscape ? HEIC_SAMPLES_BASE64.liveLandscape : HEIC_SAMPLES_BASE64.livePortrait) : landscape ? HEIC_SAMPLES_BASE64.landscape : HEIC_SAMPLES_BASE64.portrait;
  const index = seedFor(key) % list.length;
  return samples.getOrCreate(`${live ? 'live-' : ''}${landscape ? 'l' : 'p'}${index}`, () => {
    const bytes = Buffer.from(list[index] ?? '', 'base64');
    const dateOffsets = offsetsOf(bytes, PLACEHOLDER);
    const identifierOffsets = live ? offsetsOf(bytes, IDENTIFIER_PLACEHOLDER) : [];
    if (dateOffsets.length === 0 || (live && identifierOffsets.length === 0)) {
      throw new Error('A HEIC sample carries no placeholder capture date or content identifier; regenerate them with scripts/make-heic-samples.ts.');
    }
    return { bytes, dateOffsets, identifierOffsets };
  });
}

/** The size a HEIC of about `wanted` bytes is given: never below the sample plus its padding box header. */
export function heicSize(wanted: number): number {
  return Math.max(MIN_GENERATED_HEIC_BYTES, wanted);
}

export function heicSource(key: string, size: number, params: HeicParams): ContentSource {
  const identifier = params.contentIdentifier;
  if (identifier !== undefined && Buffer.byteLength(identifier, 'latin1') !== IDENTIFIER_PLACEHOLDER.length) throw new Error(`A Live Photo content identifier must be a ${IDENTIFIER_PLACEHOLDER.length}-character UUID, not "${identifier}".`);
  const sample = sampleFor(key, params.width, params.height, identifier !== undefined);
  const picture = Buffer.from(sample.bytes);
  const date = exifDate(params.takenAt);
  for (const offset of sample.dateOffsets) picture.write(date, offset, 'latin1');
  for (const offset of sample.identifierOffsets) picture.write(identifier ?? '', offset, 'latin1');
  const padding = size - picture.length;
  if (padding < FREE_HEADER_BYTES) throw new Error(`A generated HEIC of ${size} bytes is too small to hold its ${picture.length}-byte picture.`);
  const free = Buffer.alloc(FREE_HEADER_BYTES);
  free.writeUInt32BE(padding, 0);
  free.write('free', 4, 'latin1');
  return concatSources([
    bufferSource(picture),
    bufferSource(free),
    { size: padding - FREE_HEADER_BYTES, readAt: (offset, length) => pseudoRandomBytes(`${key}|heic-free`, offset, Math.max(0, Math.min(padding - FREE_HEADER_BYTES, offset + length) - offset)) },
  ]);
}
