/**
 * Reads a few values out of a binary property list ("bplist00") without decoding the rest: for a
 * caller that needs one number from each of tens of thousands of small plists (a restore sizing
 * every MBFile record of Manifest.db, protocol.md §5.6), where decoding each whole (every string,
 * every dict) was most of the cost. Every offset, reference and length is checked against the
 * bytes, as plist-binary-decoder.ts checks them; nothing is expanded, so no budget is needed (one
 * lookup reads one object). Anything this reader does not expect, or cannot be sure of, answers
 * `undefined`, never a default, and the caller then decodes the plist whole with the full decoder,
 * which reads what this one cannot or says what is wrong with it.
 */

const HEADER_LENGTH = 8;
const TRAILER_LENGTH = 32;

/** An object of the plist, by its index in the offset table. */
export type PlistObjectRef = number;

export class BinaryPlistLookup {
  private constructor(
    private readonly bytes: Buffer,
    private readonly offsetSize: number,
    private readonly refSize: number,
    private readonly objectCount: number,
    private readonly offsetTableStart: number,
    /** The top object. */
    readonly top: PlistObjectRef,
  ) {}

  /** undefined when `bytes` is not a binary plist whose trailer and offset table fit. */
  static open(bytes: Buffer): BinaryPlistLookup | undefined {
    if (bytes.length < HEADER_LENGTH + 2 + TRAILER_LENGTH || bytes.toString('latin1', 0, 8) !== 'bplist00') return undefined;
    const at = bytes.length - TRAILER_LENGTH;
    const offsetSize = bytes[at + 6] ?? 0;
    const refSize = bytes[at + 7] ?? 0;
    if (offsetSize < 1 || offsetSize > 4 || refSize < 1 || refSize > 4) return undefined;
    // Counts and positions past 2^32 cannot belong to a small record: the full decoder takes those.
    if (bytes.readUInt32BE(at + 8) !== 0 || bytes.readUInt32BE(at + 16) !== 0 || bytes.readUInt32BE(at + 24) !== 0) return undefined;
    const objectCount = bytes.readUInt32BE(at + 12);
    const top = bytes.readUInt32BE(at + 20);
    const offsetTableStart = bytes.readUInt32BE(at + 28);
    if (objectCount < 1 || top >= objectCount) return undefined;
    if (offsetTableStart < HEADER_LENGTH + 1 || offsetTableStart + objectCount * offsetSize > at) return undefined;
    return new BinaryPlistLookup(bytes, offsetSize, refSize, objectCount, offsetTableStart, top);
  }

  /** Whether object `ref` is a dict. */
  isDict(ref: PlistObjectRef): boolean {
    const at = this.offsetOf(ref);
    return at !== undefined && (this.bytes[at] ?? 0) >> 4 === 0xd;
  }

  /**
   * The value of `key` in the dict `dict`, or undefined when this reader cannot be sure of it: not
   * a dict, no such key, the key twice (the full decoder keeps the last), or any key that is not an
   * ASCII string (a UTF-16 `Size` is the same key to the full decoder). Every key is looked at, so
   * undefined never hides a value the full decoder would read.
   */
  dictValue(dict: PlistObjectRef, key: string): PlistObjectRef | undefined {
    const header = this.container(dict, 0xd);
    if (header === undefined) return undefined;
    const { start, length } = header;
    if (!this.fits(start, 2 * length * this.refSize)) return undefined;
    let found: PlistObjectRef | undefined;
    for (let i = 0; i < length; i += 1) {
      const same = this.isAsciiString(this.bytes.readUIntBE(start + i * this.refSize, this.refSize), key);
      if (same === undefined) return undefined;
      if (!same) continue;
      if (found !== undefined) return undefined;
      found = this.bytes.readUIntBE(start + (length + i) * this.refSize, this.refSize);
    }
    return found;
  }

  /** Item `index` of the array `array`, or undefined. */
  arrayItem(array: PlistObjectRef, index: number): PlistObjectRef | undefined {
    const header = this.container(array, 0xa);
    if (header === undefined || index < 0 || index >= header.length || !this.fits(header.start, header.length * this.refSize)) return undefined;
    return this.bytes.readUIntBE(header.start + index * this.refSize, this.refSize);
  }

  /** A non-negative integer of 1, 2 or 4 bytes, or one of 8 that fits a safe number; undefined for anything else. */
  integer(ref: PlistObjectRef): number | undefined {
    const at = this.offsetOf(ref);
    if (at === undefined) return undefined;
    const marker = this.bytes[at] ?? 0;
    if (marker >> 4 !== 0x1) return undefined;
    const size = 1 << (marker & 0x0f);
    if (size > 8 || !this.fits(at + 1, size)) return undefined;
    if (size <= 4) return this.bytes.readUIntBE(at + 1, size);
    // 8 bytes are signed in a plist: a negative or huge value is the full decoder's to read.
    const high = this.bytes.readUInt32BE(at + 1);
    if (high > 0x1fffff) return undefined;
    return high * 2 ** 32 + this.bytes.readUInt32BE(at + 5);
  }

  /** The value of a UID object (NSKeyedArchiver's reference into `$objects`), or undefined. */
  uid(ref: PlistObjectRef): number | undefined {
    const at = this.offsetOf(ref);
    if (at === undefined) return undefined;
    const marker = this.bytes[at] ?? 0;
    const size = (marker & 0x0f) + 1;
    if (marker >> 4 !== 0x8 || size > 4 || !this.fits(at + 1, size)) return undefined;
    return this.bytes.readUIntBE(at + 1, size);
  }

  private offsetOf(ref: PlistObjectRef): number | undefined {
    if (ref >= this.objectCount) return undefined;
    const offset = this.bytes.readUIntBE(this.offsetTableStart + ref * this.offsetSize, this.offsetSize);
    return offset < HEADER_LENGTH || offset >= this.offsetTableStart ? undefined : offset;
  }

  /** Whether `length` bytes from `at` lie in the object area. */
  private fits(at: number, length: number): boolean {
    return at + length <= this.offsetTableStart;
  }

  /** The item count and where the references start, for an array (0xa) or dict (0xd) object. */
  private container(ref: PlistObjectRef, kind: 0xa | 0xd): { start: number; length: number } | undefined {
    const at = this.offsetOf(ref);
    if (at === undefined) return undefined;
    const marker = this.bytes[at] ?? 0;
    if (marker >> 4 !== kind) return undefined;
    return this.lengthAndStart(at, marker & 0x0f);
  }

  /** A length in the marker, or in the 1–4 byte integer after it when the marker says 0xF. */
  private lengthAndStart(at: number, info: number): { start: number; length: number } | undefined {
    if (info !== 0x0f) return { start: at + 1, length: info };
    if (!this.fits(at + 1, 1)) return undefined;
    const lengthMarker = this.bytes[at + 1] ?? 0;
    const size = 1 << (lengthMarker & 0x0f);
    if (lengthMarker >> 4 !== 0x1 || size > 4 || !this.fits(at + 2, size)) return undefined;
    return { start: at + 2 + size, length: this.bytes.readUIntBE(at + 2, size) };
  }

  /**
   * Whether object `ref`, an ASCII string, is `text` (how every key of an archived record is
   * written); undefined when it is not an ASCII string this reader can read.
   */
  private isAsciiString(ref: PlistObjectRef, text: string): boolean | undefined {
    const at = this.offsetOf(ref);
    if (at === undefined) return undefined;
    const marker = this.bytes[at] ?? 0;
    if (marker >> 4 !== 0x5) return undefined;
    const header = this.lengthAndStart(at, marker & 0x0f);
    if (header === undefined || !this.fits(header.start, header.length)) return undefined;
    if (header.length !== text.length) return false;
    for (let i = 0; i < text.length; i += 1) if (this.bytes[header.start + i] !== text.charCodeAt(i)) return false;
    return true;
  }
}
