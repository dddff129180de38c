import { pseudoRandomBytes } from '../seeded-random';
import { bufferSource, concatSources, type ContentSource } from './content-source';

/**
 * Camera Roll videos and Live Photo halves as an iPhone writes them (protocol-notes.md "Camera
 * Roll"): a QuickTime file `ftyp qt` | `wide` | `mdat` | `moov`, the movie header last as the
 * camera writes it once recording stops. `moov` holds `mvhd` (creation time, what importers date
 * a video by), one HEVC (`hvc1`) video track and, for a Live Photo, the QuickTime metadata key
 * `com.apple.quicktime.content.identifier` that pairs it with its still. The `mdat` holds
 * deterministic bytes: enough for tools that read the container, nobody here plays it.
 */
export interface QuickTimeParams {
  readonly takenAt: number;
  readonly width: number;
  readonly height: number;
  readonly durationSeconds: number;
  /** Live Photo pairing identifier (a UUID), the same as the still's. */
  readonly contentIdentifier?: string;
}

/** Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01. */
const QUICKTIME_EPOCH_OFFSET = 2_082_844_800;
const TIMESCALE = 600;
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function u32(...values: number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => bytes.writeUInt32BE(value >>> 0, index * 4));
  return bytes;
}

function u16(...values: number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 2);
  values.forEach((value, index) => bytes.writeUInt16BE(value & 0xffff, index * 2));
  return bytes;
}

function movieHeader(created: number, duration: number): Buffer {
  // Version 0: creation, modification, timescale, duration, rate 1.0, volume 1.0, reserved, matrix, pre-defined, next track.
  return box('mvhd', u32(0, created, created, TIMESCALE, duration, 0x00010000), u16(0x0100), Buffer.alloc(10), u32(...UNITY_MATRIX), Buffer.alloc(24), u32(2));
}

function videoTrack(params: QuickTimeParams, created: number, duration: number): Buffer {
  const tkhd = box('tkhd', u32(0x00000003, created, created, 1, 0, duration), Buffer.alloc(8), u16(0, 0, 0, 0), u32(...UNITY_MATRIX), u32(params.width << 16, params.height << 16));
  const mdhd = box('mdhd', u32(0, created, created, TIMESCALE, duration), u16(0x55c4, 0));
  const hdlr = box('hdlr', u32(0, 0), Buffer.from('vide', 'latin1'), Buffer.alloc(12), Buffer.from('Core Media Video\0', 'latin1'));
  const compressor = Buffer.alloc(32);
  compressor.write('\u0004HEVC', 0, 'latin1');
  const hvc1 = box('hvc1', Buffer.alloc(6), u16(1, 0, 0), Buffer.alloc(12), u16(params.width, params.height), u32(0x00480000, 0x00480000, 0), u16(1), compressor, u16(0x0018, 0xffff));
  const stsd = box('stsd', u32(0, 1), hvc1);
  return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', box('stbl', stsd))));
}

/** QuickTime metadata (`moov/meta`: `hdlr mdta`, `keys`, `ilst`) with the Live Photo identifier. */
function liveMetadata(contentIdentifier: string): Buffer {
  const key = Buffer.from('com.apple.quicktime.content.identifier', 'utf8');
  const hdlr = box('hdlr', u32(0, 0), Buffer.from('mdta', 'latin1'), Buffer.alloc(12), Buffer.from('\0', 'latin1'));
  const keys = box('keys', u32(0, 1), u32(8 + key.length), Buffer.from('mdta', 'latin1'), key);
  // An ilst item's type is the 1-based index of its key; its `data` box says UTF-8 (type 1).
  const item = Buffer.concat([u32(8 + 16 + Buffer.byteLength(contentIdentifier)), u32(1), box('data', u32(1, 0), Buffer.from(contentIdentifier, 'utf8'))]);
  return box('meta', hdlr, keys, box('ilst', item));
}

function movieBox(params: QuickTimeParams): Buffer {
  const created = params.takenAt + QUICKTIME_EPOCH_OFFSET;
  const duration = Math.round(params.durationSeconds * TIMESCALE);
  const parts = [movieHeader(created, duration), videoTrack(params, created, duration)];
  if (params.contentIdentifier) parts.push(liveMetadata(params.contentIdentifier));
  return box('moov', ...parts);
}

/** Smallest size a generated movie may be given: its boxes and a little media data fit. */
export const MIN_GENERATED_MOVIE_BYTES = 2_048;

export function quickTimeSource(key: string, size: number, params: QuickTimeParams): ContentSource {
  const head = Buffer.concat([box('ftyp', Buffer.from('qt  ', 'latin1'), u32(0), Buffer.from('qt  ', 'latin1')), box('wide')]);
  const moov = movieBox(params);
  const mdatBytes = size - head.length - moov.length;
  if (mdatBytes < 8) throw new Error(`A generated movie of ${size} bytes is too small for its ${head.length + moov.length} bytes of boxes.`);
  const mdatHeader = u32(mdatBytes);
  const media = mdatBytes - 8;
  return concatSources([
    bufferSource(Buffer.concat([head, mdatHeader, Buffer.from('mdat', 'latin1')])),
    { size: media, readAt: (offset, length) => pseudoRandomBytes(`${key}|mdat`, offset, Math.max(0, Math.min(media, offset + length) - offset)) },
    bufferSource(moov),
  ]);
}
