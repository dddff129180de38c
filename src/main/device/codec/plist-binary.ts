import { decodeBinaryPlistSafely } from './plist-binary-decoder';
import { PLIST_BUDGETS, type PlistBudget } from './plist-budget';
import { type PlistDict, type PlistValue, PlistReal, PlistShapeError, PlistUid, isPlistDict } from './plist-value';

/**
 * Binary property lists ("bplist00"), protocol.md §0.1.
 *
 * Decoding is plist-binary-decoder.ts, our own, built for untrusted bytes (billion-laughs
 * references, lying offsets; docs/dependencies.md says why bplist-parser is no longer used).
 * Encoding is our own too: bplist-creator takes any one-key dict `{UID: n}` for a keyed-archiver UID
 * (a hostile or unlucky dict changes type on the wire) and cannot tell an integral real from an
 * integer without its own wrapper, so one small writer here serves both directions' pitfalls
 * (see plist-binary.test.ts, "bplist-creator pitfalls").
 */

const APPLE_EPOCH_MS = Date.UTC(2001, 0, 1);
const MAGIC = Buffer.from('bplist00', 'latin1');

export function isBinaryPlist(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(MAGIC);
}

/** Decodes a binary plist, refusing one that would grow past `budget` (plist-budget.ts). */
export function decodeBinaryPlist(bytes: Buffer, budget: PlistBudget = PLIST_BUDGETS.deviceMessage): PlistValue {
  if (!isBinaryPlist(bytes)) throw new PlistShapeError('Not a binary property list (no bplist00 header).');
  return decodeBinaryPlistSafely(bytes, budget);
}

type Flat =
  | { readonly kind: 'atom'; readonly bytes: Buffer }
  // The two atoms a listing holds hundreds of (§3.6.6: a size and a date per entry), written in
  // place rather than each made a small buffer of its own first (and the integer a BigInt).
  | { readonly kind: 'uint32'; readonly value: number }
  | { readonly kind: 'date'; readonly seconds: number }
  | { readonly kind: 'string'; readonly value: string; readonly ascii: boolean }
  | { readonly kind: 'array'; readonly refs: number[] }
  | { readonly kind: 'dict'; readonly keys: number[]; readonly values: number[] };

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Encodes a value as a binary plist. Strings are shared so repeated keys cost one object.
 *
 * Sizes are worked out first and every object is written straight into one buffer: a DL message
 * listing thousands of paths (MoveItems, a multi-status) is thousands of strings, and a few
 * small buffers and a concat per string were most of its cost.
 */
export function encodeBinaryPlist(root: PlistValue): Buffer {
  const objects: Flat[] = [];
  const strings = new Map<string, number>();

  const add = (value: PlistValue): number => {
    if (typeof value === 'string') {
      const known = strings.get(value);
      if (known !== undefined) return known;
      const index = objects.push({ kind: 'string', value, ascii: ASCII.test(value) }) - 1;
      strings.set(value, index);
      return index;
    }
    if (Array.isArray(value)) {
      const slot = objects.push({ kind: 'array', refs: [] }) - 1;
      const refs = (value as readonly PlistValue[]).map(add);
      objects[slot] = { kind: 'array', refs };
      return slot;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return objects.push({ kind: 'uint32', value }) - 1;
    if (value instanceof Date) return objects.push({ kind: 'date', seconds: appleSeconds(value) }) - 1;
    if (isPlistDict(value)) {
      // Keys first, then values, each in insertion order: the layout the tests pin.
      const dict = { kind: 'dict', keys: [] as number[], values: [] as number[] } as const;
      const slot = objects.push(dict) - 1;
      const names = Object.keys(value);
      for (const name of names) dict.keys.push(add(name));
      for (const name of names) dict.values.push(add((value as PlistDict)[name] as PlistValue));
      return slot;
    }
    return objects.push({ kind: 'atom', bytes: encodeAtom(value) }) - 1;
  };
  add(root);

  const refSize = bytesFor(objects.length);
  const offsets: number[] = new Array<number>(objects.length);
  let position = MAGIC.length;
  objects.forEach((object, index) => {
    offsets[index] = position;
    position += encodedSize(object, refSize);
  });
  const offsetSize = bytesFor(position);
  const tableStart = position;
  const trailerStart = tableStart + objects.length * offsetSize;
  const out = Buffer.alloc(trailerStart + 32);
  MAGIC.copy(out, 0);
  let at = MAGIC.length;
  for (const object of objects) at = writeObject(out, at, object, refSize);
  offsets.forEach((offset, i) => writeSizedUnsigned(out, offset, tableStart + i * offsetSize, offsetSize));
  out.writeUInt8(offsetSize, trailerStart + 6);
  out.writeUInt8(refSize, trailerStart + 7);
  out.writeBigUInt64BE(BigInt(objects.length), trailerStart + 8);
  out.writeBigUInt64BE(BigInt(tableStart), trailerStart + 24);
  return out;
}

/** Bytes an object takes: its marker (with any length integer) and its body. */
function encodedSize(object: Flat, refSize: number): number {
  switch (object.kind) {
    case 'atom':
      return object.bytes.length;
    case 'uint32':
      return 1 + bytesFor(object.value);
    case 'date':
      return 9;
    case 'string': {
      const length = object.value.length;
      return lengthHeaderSize(length) + (object.ascii ? length : 2 * length);
    }
    case 'array':
      return lengthHeaderSize(object.refs.length) + object.refs.length * refSize;
    case 'dict':
      return lengthHeaderSize(object.keys.length) + 2 * object.keys.length * refSize;
  }
}

/** Writes an object at `at` and returns where the next one starts. */
function writeObject(out: Buffer, at: number, object: Flat, refSize: number): number {
  switch (object.kind) {
    case 'atom':
      return at + object.bytes.copy(out, at);
    case 'uint32': {
      // The same bytes encodeInteger writes: marker 0x1n, then 2^n big-endian bytes.
      const size = bytesFor(object.value);
      out[at] = 0x10 | Math.log2(size);
      out.writeUIntBE(object.value, at + 1, size);
      return at + 1 + size;
    }
    case 'date':
      out[at] = 0x33;
      out.writeDoubleBE(object.seconds, at + 1);
      return at + 9;
    case 'string': {
      // ASCII strings are stored one byte per character; anything else as UTF-16BE code units.
      const { value } = object;
      const start = writeLengthHeader(out, at, object.ascii ? 0x50 : 0x60, value.length);
      if (object.ascii) return start + out.write(value, start, 'latin1');
      const written = out.write(value, start, 'utf16le');
      out.subarray(start, start + written).swap16();
      return start + written;
    }
    case 'array':
      return writeRefs(out, writeLengthHeader(out, at, 0xa0, object.refs.length), object.refs, refSize);
    case 'dict': {
      const start = writeLengthHeader(out, at, 0xd0, object.keys.length);
      return writeRefs(out, writeRefs(out, start, object.keys, refSize), object.values, refSize);
    }
  }
}

function writeRefs(out: Buffer, at: number, refs: readonly number[], refSize: number): number {
  refs.forEach((ref, i) => writeSizedUnsigned(out, ref, at + i * refSize, refSize));
  return at + refs.length * refSize;
}

/** Size of `markerWithLength`'s output: the marker, then an integer object when the length is 15 or more. */
function lengthHeaderSize(length: number): number {
  return length < 15 ? 1 : 2 + bytesFor(length);
}

/** `markerWithLength` written in place. */
function writeLengthHeader(out: Buffer, at: number, marker: number, length: number): number {
  if (length < 15) {
    out[at] = marker | length;
    return at + 1;
  }
  const size = bytesFor(length);
  out[at] = marker | 0x0f;
  out[at + 1] = 0x10 | Math.log2(size);
  writeSizedUnsigned(out, length, at + 2, size);
  return at + 2 + size;
}

function encodeAtom(value: PlistValue): Buffer {
  if (typeof value === 'boolean') return Buffer.from([value ? 0x09 : 0x08]);
  if (typeof value === 'bigint') return encodeInteger(value);
  if (typeof value === 'number') {
    return Number.isInteger(value) ? encodeInteger(BigInt(value)) : encodeReal(value);
  }
  if (value instanceof PlistReal) return encodeReal(value.value);
  if (value instanceof Date) {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0x33;
    bytes.writeDoubleBE(appleSeconds(value), 1);
    return bytes;
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([markerWithLength(0x40, value.length), value]);
  if (value instanceof PlistUid) {
    // Marker 0x8n carries n+1 big-endian bytes; CoreFoundation uses 1, 2, 4 or 8.
    const size = bytesFor(value.value);
    const bytes = Buffer.alloc(1 + size);
    bytes[0] = 0x80 | (size - 1);
    writeSizedUnsigned(bytes, value.value, 1, size);
    return bytes;
  }
  throw new PlistShapeError(`Cannot encode ${typeof value} in a property list.`);
}

/**
 * Seconds since 2001 as a double. The decoder (like bplist-parser) rebuilds the date as `new Date(epoch + 1000 * seconds)`,
 * which truncates toward zero, so 28.029 stored as 28.028999… reads back a millisecond off. Step the
 * double by one ulp at a time until it reads back exactly, so every whole-millisecond date survives.
 */
function appleSeconds(date: Date): number {
  const ms = date.getTime();
  let seconds = (ms - APPLE_EPOCH_MS) / 1000;
  for (let step = 0; step < 4; step += 1) {
    const readBack = Math.trunc(APPLE_EPOCH_MS + 1000 * seconds);
    if (readBack === ms) break;
    seconds = nextDouble(seconds, readBack < ms ? 1 : -1);
  }
  return seconds;
}

/** The neighbouring double of `value` in `direction` (+1 up, -1 down). */
function nextDouble(value: number, direction: 1 | -1): number {
  if (value === 0) return direction * Number.MIN_VALUE;
  const scratch = new DataView(new ArrayBuffer(8));
  scratch.setFloat64(0, value);
  const awayFromZero = (value > 0) === (direction > 0);
  scratch.setBigInt64(0, scratch.getBigInt64(0) + (awayFromZero ? 1n : -1n));
  return scratch.getFloat64(0);
}

function encodeInteger(value: bigint): Buffer {
  if (value < 0n || value > 0x7fffffffffffffffn) {
    if (value < -0x8000000000000000n || value > 0xffffffffffffffffn) {
      throw new PlistShapeError(`Integer ${value} does not fit in 64 bits.`);
    }
    if (value < 0n) {
      const bytes = Buffer.alloc(9);
      bytes[0] = 0x13;
      bytes.writeBigInt64BE(value, 1);
      return bytes;
    }
    // Unsigned values above INT64_MAX take the 16-byte form, as CoreFoundation writes them.
    const bytes = Buffer.alloc(17);
    bytes[0] = 0x14;
    bytes.writeBigUInt64BE(value, 9);
    return bytes;
  }
  const size = value <= 0xffn ? 1 : value <= 0xffffn ? 2 : value <= 0xffffffffn ? 4 : 8;
  const bytes = Buffer.alloc(1 + size);
  bytes[0] = 0x10 | Math.log2(size);
  return writeUnsigned(bytes, value, size);
}

function writeUnsigned(bytes: Buffer, value: bigint, size: number): Buffer {
  for (let i = 0; i < size; i += 1) {
    bytes[size - i] = Number((value >> BigInt(8 * i)) & 0xffn);
  }
  return bytes;
}

function encodeReal(value: number): Buffer {
  const bytes = Buffer.alloc(9);
  bytes[0] = 0x23;
  bytes.writeDoubleBE(value, 1);
  return bytes;
}

function markerWithLength(marker: number, length: number): Buffer {
  if (length < 15) return Buffer.from([marker | length]);
  return Buffer.concat([Buffer.from([marker | 0x0f]), encodeInteger(BigInt(length))]);
}

/** Writes an unsigned integer of 1, 2, 4 or 8 bytes (Buffer.writeUIntBE stops at 6). */
function writeSizedUnsigned(target: Buffer, value: number, offset: number, size: number): void {
  if (size === 8) target.writeBigUInt64BE(BigInt(value), offset);
  else target.writeUIntBE(value, offset, size);
}

function bytesFor(count: number): number {
  if (count <= 0xff) return 1;
  if (count <= 0xffff) return 2;
  if (count <= 0xffffffff) return 4;
  return 8;
}
