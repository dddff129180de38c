import { PLIST_BUDGETS, type PlistBudget, PlistBudgetMeter } from './plist-budget';
import { type PlistValue, PlistShapeError, PlistUid, setPlistEntry } from './plist-value';

/**
 * Binary property list ("bplist00") decoder for untrusted bytes (protocol.md §0.1).
 *
 * Why our own and not bplist-parser (docs/dependencies.md has the measurements): bplist-parser
 * decodes a shared object again at every reference and caps only the number of objects stored, so
 * 200 bytes can stand for 2^40 values; it also reads past the end of lying offsets, recurses
 * forever on a self-referencing array and assigns dict keys with `dict[key] =` (a `__proto__` key
 * swaps the prototype). This decoder:
 * - checks the trailer, the offset table and every object against the bytes it has;
 * - counts the *expanded* result against a budget sized per use (plist-budget.ts), so a shared
 *   object referenced a billion times fails after the budget, in milliseconds;
 * - decodes a shared string once (memoised by object index), so repeated dict keys cost one string;
 * - refuses a container that contains itself.
 * Containers are decoded afresh at each reference, so no two places in the result share a mutable
 * array or dict. Data values are views of the input, as bplist-parser's were.
 */

const HEADER_LENGTH = 8;
const TRAILER_LENGTH = 32;
const APPLE_EPOCH_MS = Date.UTC(2001, 0, 1);

interface Trailer {
  readonly offsetSize: number;
  readonly refSize: number;
  readonly objectCount: number;
  readonly topObject: number;
  readonly offsetTableStart: number;
}

function malformed(detail: string): PlistShapeError {
  return new PlistShapeError(`Malformed binary property list: ${detail}.`);
}

/** Decodes a binary plist within `budget` (a device message's when not given: the most generous). */
export function decodeBinaryPlistSafely(bytes: Buffer, budget: PlistBudget = PLIST_BUDGETS.deviceMessage): PlistValue {
  return new BinaryPlistDecoder(bytes, readTrailer(bytes), new PlistBudgetMeter(budget)).decode();
}

function readTrailer(bytes: Buffer): Trailer {
  if (bytes.length < HEADER_LENGTH + 1 + 1 + TRAILER_LENGTH) throw malformed('it is too short to hold an object and a trailer');
  const at = bytes.length - TRAILER_LENGTH;
  const offsetSize = bytes[at + 6] ?? 0;
  const refSize = bytes[at + 7] ?? 0;
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8) throw malformed('the trailer has impossible offset or reference sizes');
  const objectCount = safeU64(bytes, at + 8, 'object count');
  const topObject = safeU64(bytes, at + 16, 'top object');
  const offsetTableStart = safeU64(bytes, at + 24, 'offset table position');
  if (objectCount < 1 || topObject >= objectCount) throw malformed('the top object is not one of its objects');
  if (offsetTableStart < HEADER_LENGTH + 1 || offsetTableStart + objectCount * offsetSize > at) {
    throw malformed('the offset table does not fit between the objects and the trailer');
  }
  return { offsetSize, refSize, objectCount, topObject, offsetTableStart };
}

function safeU64(bytes: Buffer, at: number, what: string): number {
  const value = bytes.readBigUInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`the ${what} is out of range`);
  return Number(value);
}

/** An unsigned big-endian integer of 1–8 bytes that must be a safe JS number. */
function readUnsigned(bytes: Buffer, at: number, size: number): number {
  if (size <= 6) return bytes.readUIntBE(at, size);
  let value = 0n;
  for (let i = 0; i < size; i += 1) value = (value << 8n) | BigInt(bytes[at + i] ?? 0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('a reference or length is out of range');
  return Number(value);
}

class BinaryPlistDecoder {
  /**
   * Decoded strings that more than one place refers to, by object index: a key shared by 10,000
   * dicts is decoded once. Only those: a map entry for each of 600,000 paths cost 40 MB.
   */
  private readonly strings = new Map<number, string>();
  /** References to each string object seen by `measure`, counted up to 2 ("shared"). */
  private readonly stringReferences: Uint8Array;
  /** Containers being decoded on the current path, to refuse one that contains itself. */
  private readonly open = new Set<number>();

  constructor(
    private readonly bytes: Buffer,
    private readonly trailer: Trailer,
    private readonly meter: PlistBudgetMeter,
  ) {
    this.stringReferences = new Uint8Array(trailer.objectCount);
  }

  /**
   * Walks the references once without building anything, counting against the budget, then
   * decodes: a billion-laughs plist is refused after a million cheap steps and no allocation,
   * and a real one pays one extra walk over its markers (docs/dependencies.md has the numbers).
   */
  decode(): PlistValue {
    this.measure(this.trailer.topObject, 0);
    this.meter.reset();
    return this.object(this.trailer.topObject, 0);
  }

  /** Counts what object `index` expands to, with the checks `object` makes, building nothing. */
  private measure(index: number, depth: number): void {
    const at = this.offsetOf(index);
    const marker = this.bytes[at] ?? 0;
    const kind = marker >> 4;
    const info = marker & 0x0f;
    if (kind === 0xa || kind === 0xd) {
      const { refSize } = this.trailer;
      const { start, length } = this.lengthAndStart(at, info, kind === 0xd ? 2 * refSize : refSize);
      this.meter.count(depth);
      this.enter(index);
      for (let i = 0; i < (kind === 0xd ? 2 * length : length); i += 1) {
        this.measure(readUnsigned(this.bytes, start + i * refSize, refSize), depth + 1);
      }
      this.open.delete(index);
    } else if (kind === 0x4 || kind === 0x5 || kind === 0x6) {
      const { length } = this.lengthAndStart(at, info, kind === 0x6 ? 2 : 1);
      this.meter.count(depth, kind === 0x6 ? 2 * length : length);
      if (kind !== 0x4 && (this.stringReferences[index] ?? 0) < 2) this.stringReferences[index] = (this.stringReferences[index] ?? 0) + 1;
    } else {
      this.meter.count(depth);
    }
  }

  /** Where object `index` starts, checked to lie in the object area. */
  private offsetOf(index: number): number {
    const { offsetSize, offsetTableStart, objectCount } = this.trailer;
    if (index >= objectCount) throw malformed(`a reference points at object ${index} of ${objectCount}`);
    const offset = readUnsigned(this.bytes, offsetTableStart + index * offsetSize, offsetSize);
    if (offset < HEADER_LENGTH || offset >= offsetTableStart) throw malformed(`object ${index} lies outside the object area`);
    return offset;
  }

  /** Throws unless `length` bytes from `at` lie in the object area. */
  private need(at: number, length: number): void {
    if (at + length > this.trailer.offsetTableStart) throw malformed('an object runs past the object area');
  }

  private object(index: number, depth: number): PlistValue {
    const at = this.offsetOf(index);
    const marker = this.bytes[at] ?? 0;
    const kind = marker >> 4;
    const info = marker & 0x0f;
    switch (kind) {
      case 0x0:
        this.meter.count(depth);
        return simple(info);
      case 0x1:
        this.meter.count(depth);
        return this.integer(at, info);
      case 0x2:
        this.meter.count(depth);
        return this.real(at, info);
      case 0x3:
        this.meter.count(depth);
        return this.date(at, info);
      case 0x4: {
        const { start, length } = this.lengthAndStart(at, info, 1);
        this.meter.count(depth, length);
        return this.bytes.subarray(start, start + length);
      }
      case 0x5:
      case 0x6:
        return this.string(index, at, depth);
      case 0x8:
        this.meter.count(depth);
        this.need(at + 1, info + 1);
        return new PlistUid(readUnsigned(this.bytes, at + 1, info + 1));
      case 0xa:
        return this.array(index, at, info, depth);
      case 0xd:
        return this.dict(index, at, info, depth);
      default:
        throw malformed(`object ${index} has the unsupported type 0x${kind.toString(16)}`);
    }
  }

  /** A length stored in the marker, or in the integer object after it when the marker says 0xF. */
  private lengthAndStart(at: number, info: number, unitSize: number): { start: number; length: number } {
    let count = info;
    let start = at + 1;
    if (info === 0x0f) {
      this.need(at + 1, 1);
      const lengthMarker = this.bytes[at + 1] ?? 0;
      const size = 1 << (lengthMarker & 0x0f);
      if (lengthMarker >> 4 !== 0x1 || size > 8) throw malformed('a length is not a 1-8 byte integer');
      this.need(at + 2, size);
      count = readUnsigned(this.bytes, at + 2, size);
      start = at + 2 + size;
    }
    this.need(start, count * unitSize);
    return { start, length: count };
  }

  private integer(at: number, info: number): number | bigint {
    if (info > 4) throw malformed('an integer is wider than 16 bytes');
    const size = 1 << info;
    this.need(at + 1, size);
    if (size <= 4) return this.bytes.readUIntBE(at + 1, size);
    // 8 bytes are signed (CoreFoundation writes negatives that way); 16 bytes carry unsigned values above 2^63.
    const value = size === 8 ? this.bytes.readBigInt64BE(at + 1) : (this.bytes.readBigUInt64BE(at + 1) << 64n) | this.bytes.readBigUInt64BE(at + 9);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  private real(at: number, info: number): number {
    if (info === 2) {
      this.need(at + 1, 4);
      return this.bytes.readFloatBE(at + 1);
    }
    if (info === 3) {
      this.need(at + 1, 8);
      return this.bytes.readDoubleBE(at + 1);
    }
    throw malformed('a real is neither 4 nor 8 bytes');
  }

  private date(at: number, info: number): Date {
    if (info !== 3) throw malformed('a date is not an 8-byte real');
    this.need(at + 1, 8);
    // `new Date` truncates toward zero, like bplist-parser: the encoder relies on it (appleSeconds).
    const date = new Date(APPLE_EPOCH_MS + 1000 * this.bytes.readDoubleBE(at + 1));
    if (Number.isNaN(date.getTime())) throw malformed('a date is out of range');
    return date;
  }

  /** ASCII (0x5, one byte a character) or UTF-16BE (0x6, length in code units); decoded once per object. */
  private string(index: number, at: number, depth: number): string {
    const marker = this.bytes[at] ?? 0;
    const utf16 = marker >> 4 === 0x6;
    const { start, length } = this.lengthAndStart(at, marker & 0x0f, utf16 ? 2 : 1);
    const byteLength = utf16 ? 2 * length : length;
    this.meter.count(depth, byteLength);
    const shared = this.stringReferences[index] === 2;
    const known = shared ? this.strings.get(index) : undefined;
    if (known !== undefined) return known;
    let text: string;
    if (utf16) {
      const units = Buffer.from(this.bytes.subarray(start, start + byteLength));
      text = units.swap16().toString('utf16le');
    } else {
      // Lax writers put UTF-8 in "ASCII" strings; decoding as UTF-8 reads both (bplist-parser did the same).
      text = this.bytes.toString('utf8', start, start + byteLength);
    }
    if (shared) this.strings.set(index, text);
    return text;
  }

  private array(index: number, at: number, info: number, depth: number): PlistValue[] {
    const { refSize } = this.trailer;
    const { start, length } = this.lengthAndStart(at, info, refSize);
    this.meter.count(depth);
    this.enter(index);
    const items: PlistValue[] = [];
    for (let i = 0; i < length; i += 1) {
      items.push(this.object(readUnsigned(this.bytes, start + i * refSize, refSize), depth + 1));
    }
    this.open.delete(index);
    return items;
  }

  private dict(index: number, at: number, info: number, depth: number): PlistValue {
    const { refSize } = this.trailer;
    const { start, length } = this.lengthAndStart(at, info, 2 * refSize);
    this.meter.count(depth);
    this.enter(index);
    const dict: Record<string, PlistValue> = {};
    const valuesStart = start + length * refSize;
    for (let i = 0; i < length; i += 1) {
      const key = this.object(readUnsigned(this.bytes, start + i * refSize, refSize), depth + 1);
      if (typeof key !== 'string') throw malformed('a dictionary key is not a string');
      setPlistEntry(dict, key, this.object(readUnsigned(this.bytes, valuesStart + i * refSize, refSize), depth + 1));
    }
    this.open.delete(index);
    return dict;
  }

  private enter(index: number): void {
    if (this.open.has(index)) throw malformed(`object ${index} contains itself`);
    this.open.add(index);
  }
}

function simple(info: number): PlistValue {
  switch (info) {
    case 0x8:
      return false;
    case 0x9:
      return true;
    case 0x0:
    case 0xf:
      // null and fill have no plist value; bplist-parser gave null, which the codec has always read as ''.
      return '';
    default:
      throw malformed(`unknown simple value 0x0${info.toString(16)}`);
  }
}
