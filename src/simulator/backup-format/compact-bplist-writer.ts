import { type PlistDict, type PlistValue, PlistUid } from '../../main/device/codec';

/**
 * A fast binary plist writer for the small archives Manifest.db holds one of per row.
 *
 * The codec's general encoder is correct for every plist but allocates a Buffer per object; a
 * 100k-file backup writes 100k MBFile archives, so this one computes the size first and writes
 * into a single buffer. It supports the types an MBFile archive uses (strings, integers, data,
 * UIDs, arrays, dicts, booleans) and shares equal strings, like the general encoder.
 */
type Item =
  | { readonly kind: 'string'; readonly value: string; readonly ascii: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'data'; readonly bytes: Buffer }
  | { readonly kind: 'uid'; readonly value: number }
  | { readonly kind: 'array'; refs: number[] }
  | { readonly kind: 'dict'; keys: number[]; values: number[] };

const MAGIC = Buffer.from('bplist00', 'latin1');
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

export function encodeCompactBinaryPlist(root: PlistValue): Buffer {
  const items: Item[] = [];
  const strings = new Map<string, number>();

  const add = (value: PlistValue): number => {
    if (typeof value === 'string') {
      const known = strings.get(value);
      if (known !== undefined) return known;
      const index = items.push({ kind: 'string', value, ascii: ASCII.test(value) }) - 1;
      strings.set(value, index);
      return index;
    }
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`Only safe integers can be archived here; got ${value}.`);
      return items.push({ kind: 'int', value }) - 1;
    }
    if (typeof value === 'boolean') return items.push({ kind: 'bool', value }) - 1;
    if (Buffer.isBuffer(value)) return items.push({ kind: 'data', bytes: value }) - 1;
    if (value instanceof PlistUid) return items.push({ kind: 'uid', value: value.value }) - 1;
    if (Array.isArray(value)) {
      const item: Item = { kind: 'array', refs: [] };
      const index = items.push(item) - 1;
      item.refs = (value as readonly PlistValue[]).map(add);
      return index;
    }
    if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      const item: Item = { kind: 'dict', keys: [], values: [] };
      const index = items.push(item) - 1;
      const dict = value as PlistDict;
      for (const key in dict) {
        item.keys.push(add(key));
        item.values.push(add(dict[key] as PlistValue));
      }
      return index;
    }
    throw new RangeError(`The compact plist writer cannot encode ${String(value)}.`);
  };
  add(root);

  const refSize = sizeFor(items.length);
  let bodyLength = MAGIC.length;
  for (const item of items) bodyLength += itemLength(item, refSize);
  const offsetSize = sizeFor(bodyLength);
  const out = Buffer.allocUnsafe(bodyLength + items.length * offsetSize + 32);
  MAGIC.copy(out, 0);
  let position = MAGIC.length;
  let tablePosition = bodyLength;
  for (const item of items) {
    out.writeUIntBE(position, tablePosition, offsetSize);
    tablePosition += offsetSize;
    position = writeItem(out, position, item, refSize);
  }
  out.fill(0, tablePosition, tablePosition + 6);
  out[tablePosition + 6] = offsetSize;
  out[tablePosition + 7] = refSize;
  out.writeBigUInt64BE(BigInt(items.length), tablePosition + 8);
  out.writeBigUInt64BE(0n, tablePosition + 16);
  out.writeBigUInt64BE(BigInt(bodyLength), tablePosition + 24);
  return out;
}

function itemLength(item: Item, refSize: number): number {
  switch (item.kind) {
    case 'string':
      return markerLength(item.value.length) + item.value.length * (item.ascii ? 1 : 2);
    case 'int':
      return 1 + intSize(item.value);
    case 'bool':
      return 1;
    case 'data':
      return markerLength(item.bytes.length) + item.bytes.length;
    case 'uid':
      return 1 + sizeFor(item.value + 1);
    case 'array':
      return markerLength(item.refs.length) + item.refs.length * refSize;
    case 'dict':
      return markerLength(item.keys.length) + item.keys.length * 2 * refSize;
  }
}

function writeItem(out: Buffer, position: number, item: Item, refSize: number): number {
  switch (item.kind) {
    case 'string':
      // Strings go straight into the output: ASCII one byte per character, else UTF-16BE units.
      position = writeMarker(out, position, item.ascii ? 0x50 : 0x60, item.value.length);
      if (item.ascii) return position + out.write(item.value, position, 'latin1');
      return position + Buffer.from(item.value, 'utf16le').swap16().copy(out, position);
    case 'int':
      return writeInt(out, position, item.value);
    case 'bool':
      out[position] = item.value ? 0x09 : 0x08;
      return position + 1;
    case 'data':
      position = writeMarker(out, position, 0x40, item.bytes.length);
      return position + item.bytes.copy(out, position);
    case 'uid': {
      const size = sizeFor(item.value + 1);
      out[position] = 0x80 | (size - 1);
      out.writeUIntBE(item.value, position + 1, size);
      return position + 1 + size;
    }
    case 'array':
      position = writeMarker(out, position, 0xa0, item.refs.length);
      for (const ref of item.refs) position = writeRef(out, position, ref, refSize);
      return position;
    case 'dict':
      position = writeMarker(out, position, 0xd0, item.keys.length);
      for (const ref of item.keys) position = writeRef(out, position, ref, refSize);
      for (const ref of item.values) position = writeRef(out, position, ref, refSize);
      return position;
  }
}

function writeRef(out: Buffer, position: number, ref: number, refSize: number): number {
  out.writeUIntBE(ref, position, refSize);
  return position + refSize;
}

/** Non-negative integers take 1, 2, 4 or 8 bytes; negatives always 8 (two's complement). */
function intSize(value: number): number {
  if (value < 0) return 8;
  if (value <= 0xff) return 1;
  if (value <= 0xffff) return 2;
  if (value <= 0xffffffff) return 4;
  return 8;
}

function writeInt(out: Buffer, position: number, value: number): number {
  const size = intSize(value);
  out[position] = 0x10 | Math.log2(size);
  if (size === 8) out.writeBigInt64BE(BigInt(value), position + 1);
  else out.writeUIntBE(value, position + 1, size);
  return position + 1 + size;
}

function markerLength(count: number): number {
  return count < 15 ? 1 : 2 + intSize(count);
}

function writeMarker(out: Buffer, position: number, marker: number, count: number): number {
  if (count < 15) {
    out[position] = marker | count;
    return position + 1;
  }
  out[position] = marker | 0x0f;
  return writeInt(out, position + 1, count);
}

function sizeFor(count: number): number {
  if (count <= 0xff) return 1;
  if (count <= 0xffff) return 2;
  return 4;
}
