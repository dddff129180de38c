import { type PlistValue, PlistUid } from '../../main/device/codec';

const MAGIC = Buffer.from('bplist00', 'latin1');

/**
 * A fast binary plist reader for the small archives Manifest.db holds one of per row (about twice
 * as quick as the codec's general decoder, which matters when a 100k-row Manifest.db is read back). It reads every binary plist type and
 * returns what the codec's decoder returns; anything malformed throws a RangeError, and callers
 * fall back to the codec for its fuller diagnosis.
 */
export function decodeCompactBinaryPlist(bytes: Buffer): PlistValue {
  if (bytes.length < MAGIC.length + 32 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new RangeError('Not a binary property list.');
  }
  const trailer = bytes.length - 32;
  const offsetSize = bytes[trailer + 6] ?? 0;
  const refSize = bytes[trailer + 7] ?? 0;
  const count = readLength64(bytes, trailer + 8);
  const top = readLength64(bytes, trailer + 16);
  const tableStart = readLength64(bytes, trailer + 24);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8 || top >= count || tableStart + count * offsetSize > trailer) {
    throw new RangeError('Binary property list trailer is inconsistent.');
  }
  const inProgress = new Set<number>();

  const readObject = (ref: number): PlistValue => {
    if (ref >= count) throw new RangeError(`Object reference ${ref} is out of range.`);
    if (inProgress.has(ref)) throw new RangeError('Binary property list refers to itself.');
    const offset = readUnsigned(bytes, tableStart + ref * offsetSize, offsetSize);
    if (offset >= tableStart) throw new RangeError(`Object ${ref} starts outside the object area.`);
    const marker = bytes[offset] ?? 0;
    const low = marker & 0x0f;
    switch (marker >> 4) {
      case 0x0:
        if (marker === 0x08 || marker === 0x09) return marker === 0x09;
        if (marker === 0x00) return '';
        break;
      case 0x1:
        return readInteger(bytes, offset + 1, 1 << low, tableStart);
      case 0x2:
        if (low === 2) return bounded(bytes, offset + 1, 4, tableStart).readFloatBE(0);
        if (low === 3) return bounded(bytes, offset + 1, 8, tableStart).readDoubleBE(0);
        break;
      case 0x3:
        if (marker === 0x33) return new Date(APPLE_EPOCH_MS + bounded(bytes, offset + 1, 8, tableStart).readDoubleBE(0) * 1000);
        break;
      case 0x4: {
        const [length, start] = readCount(bytes, offset, low, tableStart);
        return Buffer.from(bounded(bytes, start, length, tableStart));
      }
      case 0x5: {
        const [length, start] = readCount(bytes, offset, low, tableStart);
        return bounded(bytes, start, length, tableStart).toString('latin1');
      }
      case 0x6: {
        const [length, start] = readCount(bytes, offset, low, tableStart);
        return Buffer.from(bounded(bytes, start, length * 2, tableStart)).swap16().toString('utf16le');
      }
      case 0x8:
        return new PlistUid(readUnsigned(bytes, offset + 1, low + 1));
      case 0xa:
      case 0xc: {
        const [length, start] = readCount(bytes, offset, low, tableStart);
        bounded(bytes, start, length * refSize, tableStart);
        inProgress.add(ref);
        const items: PlistValue[] = [];
        for (let i = 0; i < length; i += 1) items.push(readObject(readUnsigned(bytes, start + i * refSize, refSize)));
        inProgress.delete(ref);
        return items;
      }
      case 0xd: {
        const [length, start] = readCount(bytes, offset, low, tableStart);
        bounded(bytes, start, length * 2 * refSize, tableStart);
        inProgress.add(ref);
        const dict: Record<string, PlistValue> = {};
        for (let i = 0; i < length; i += 1) {
          const key = readObject(readUnsigned(bytes, start + i * refSize, refSize));
          if (typeof key !== 'string') throw new RangeError('A dictionary key is not a string.');
          dict[key] = readObject(readUnsigned(bytes, start + (length + i) * refSize, refSize));
        }
        inProgress.delete(ref);
        return dict;
      }
    }
    throw new RangeError(`Unknown binary plist marker 0x${marker.toString(16)}.`);
  };
  return readObject(top);
}

const APPLE_EPOCH_MS = Date.UTC(2001, 0, 1);

function bounded(bytes: Buffer, start: number, length: number, end: number): Buffer {
  if (start + length > end) throw new RangeError('A binary plist object runs past the object area.');
  return bytes.subarray(start, start + length);
}

function readCount(bytes: Buffer, offset: number, low: number, end: number): [number, number] {
  if (low !== 0x0f) return [low, offset + 1];
  const marker = bytes[offset + 1] ?? 0;
  if (marker >> 4 !== 0x1) throw new RangeError('A binary plist length is not an integer.');
  const size = 1 << (marker & 0x0f);
  const length = readInteger(bytes, offset + 2, size, end);
  if (typeof length !== 'number' || length < 0) throw new RangeError('A binary plist length is out of range.');
  return [length, offset + 2 + size];
}

function readInteger(bytes: Buffer, start: number, size: number, end: number): number | bigint {
  const field = bounded(bytes, start, size, end);
  if (size <= 4) return field.readUIntBE(0, size);
  if (size === 8) {
    const value = field.readBigInt64BE(0);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (size === 16) {
    const value = field.readBigUInt64BE(8);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  throw new RangeError(`Unsupported ${size}-byte integer.`);
}

function readUnsigned(bytes: Buffer, start: number, size: number): number {
  if (start + size > bytes.length) throw new RangeError('A binary plist reference runs past the end.');
  if (size <= 6) return bytes.readUIntBE(start, size);
  let value = 0n;
  for (let i = 0; i < size; i += 1) value = (value << 8n) | BigInt(bytes[start + i] ?? 0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('A binary plist reference is out of range.');
  return Number(value);
}

function readLength64(bytes: Buffer, start: number): number {
  const value = bytes.readBigUInt64BE(start);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('Binary property list trailer is inconsistent.');
  return Number(value);
}
