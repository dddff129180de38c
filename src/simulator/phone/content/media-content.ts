import { deflateRawSync, deflateSync } from 'node:zlib';
import { encodePlist, type PlistDict } from '../../../main/device/codec';
import { pseudoRandomBytes, SeededRandom } from '../seeded-random';
import { bufferSource, concatSources, type ContentSource } from './content-source';

/** Opaque payload: documents, caches, recordings. */
export function randomSource(key: string, size: number): ContentSource {
  return { size, readAt: (offset, length) => pseudoRandomBytes(key, offset, Math.max(0, Math.min(size, offset + length) - offset)) };
}

const TEXT_ALPHABET = Buffer.from('etaoin shrdlu cmfwyp vbgkqjxz ETAOIN.,\n');
/** Random byte → its letter, `TEXT_ALPHABET[byte % length]`. */
const TEXT_OF_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => TEXT_ALPHABET[byte % TEXT_ALPHABET.length] ?? 32);
/**
 * The same for two bytes at once, read as one native-endian u16: half the loop turns over the
 * hundreds of MB of text a many-small backup sends. Built by mapping the bytes of every u16 in
 * place, so it holds on either endianness.
 */
const TEXT_OF_PAIR = (() => {
  const pairs = Uint16Array.from({ length: 65536 }, (_, value) => value);
  const bytes = new Uint8Array(pairs.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = TEXT_OF_BYTE[bytes[i] as number] as number;
  return pairs;
})();

/**
 * Maps random bytes onto the text alphabet in place, four at a time: each aligned u32 is two
 * pairs, each pair looked up as its native u16 (whichever half of the u32 it is, it maps to the
 * same half). The unaligned ends go byte by byte.
 */
function toText(bytes: Buffer): Buffer {
  const head = Math.min(bytes.length, (4 - (bytes.byteOffset % 4)) % 4);
  for (let i = 0; i < head; i++) bytes[i] = TEXT_OF_BYTE[bytes[i] as number] as number;
  const quadCount = (bytes.length - head) >> 2;
  const quads = new Uint32Array(bytes.buffer, bytes.byteOffset + head, quadCount);
  for (let i = 0; i < quadCount; i++) {
    const value = quads[i] as number;
    quads[i] = (((TEXT_OF_PAIR[value >>> 16] as number) << 16) | (TEXT_OF_PAIR[value & 0xffff] as number)) >>> 0;
  }
  for (let i = head + quadCount * 4; i < bytes.length; i++) bytes[i] = TEXT_OF_BYTE[bytes[i] as number] as number;
  return bytes;
}

/** Readable filler text (notes, logs), deterministic at any offset. */
export function textSource(key: string, size: number): ContentSource {
  return {
    size,
    // pseudoRandomBytes returns fresh memory nobody else holds, so it is mapped in place.
    readAt: (offset, length) => toText(pseudoRandomBytes(key, offset, Math.max(0, Math.min(size, offset + length) - offset))),
  };
}

/**
 * A QuickTime-shaped movie: `ftyp` (qt), then one `mdat` box with deterministic bytes. Enough for
 * tools that sniff the container type; nobody here plays it.
 */
export function movieSource(key: string, size: number): ContentSource {
  const ftyp = Buffer.alloc(20);
  ftyp.writeUInt32BE(20, 0);
  ftyp.write('ftypqt  ', 4, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('qt  ', 16, 'latin1');
  const mdatHeader = Buffer.alloc(8);
  const mdatSize = Math.max(8, size - ftyp.length);
  mdatHeader.writeUInt32BE(mdatSize, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  const header = Buffer.concat([ftyp, mdatHeader]).subarray(0, Math.min(size, 28));
  return concatSources([bufferSource(header), randomSource(`${key}|mdat`, Math.max(0, size - header.length))]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A real PNG "screenshot": flat bars of colour, RGB 8-bit. */
export function buildPng(key: string, width: number, height: number): Buffer {
  const random = new SeededRandom('png', key);
  const bars = Array.from({ length: 6 }, () => [random.int(0, 255), random.int(0, 255), random.int(0, 255)]);
  // All scanlines in one buffer (each a filter byte 0, then RGB), not a buffer per row to concatenate.
  const stride = 1 + width * 3;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const color = bars[Math.floor((y / height) * bars.length)] ?? [0, 0, 0];
    const [red, green, blue] = [color[0] ?? 0, color[1] ?? 0, color[2] ?? 0];
    for (let x = 0; x < width; x++) {
      pixels[row + 1 + x * 3] = red;
      pixels[row + 2 + x * 3] = green;
      pixels[row + 3 + x * 3] = blue;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(pixels, { level: 6 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A Photos edit sidecar (.AAE) as iOS writes it beside an edited photo (protocol-notes.md "Camera
 * Roll"): an XML plist naming the editor and format, with `adjustmentData` the raw-DEFLATE'd JSON
 * list of adjustments (crop, exposure…) the edited render `IMG_E…` was made with, and
 * `adjustmentTimestamp` the moment of the edit.
 */
export function buildAae(key: string, editedAt?: number, size?: { width: number; height: number }): Buffer {
  const random = new SeededRandom('aae', key);
  const adjustments = {
    adjustments: [
      { formatVersion: 1, enabled: true, identifier: 'SmartTone', settings: { inputLight: Number((random.next() - 0.5).toFixed(3)) } },
      { formatVersion: 1, enabled: true, identifier: 'Crop', settings: { xOrigin: 0, yOrigin: random.int(0, 20), width: size?.width ?? 160, height: (size?.height ?? 120) - random.int(0, 20), angle: 0 } },
    ],
    metadata: { masterWidth: size?.width ?? 160, masterHeight: size?.height ?? 120, orientation: 1 },
    formatIdentifier: 'com.apple.photo',
    versionInfo: { buildNumber: '21F90', appVersion: '1.0', schemaRevision: 1, platform: 'iOS' },
  };
  const value: PlistDict = {
    adjustmentBaseVersion: 0,
    adjustmentData: deflateRawSync(Buffer.from(JSON.stringify(adjustments), 'utf8')),
    adjustmentEditorBundleID: 'com.apple.mobileslideshow',
    adjustmentFormatIdentifier: 'com.apple.photo',
    adjustmentFormatVersion: '1.5',
    adjustmentRenderTypes: 0,
    ...(editedAt === undefined ? {} : { adjustmentTimestamp: new Date(editedAt * 1000) }),
  };
  return encodePlist(value, 'xml');
}
