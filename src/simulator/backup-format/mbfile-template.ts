import type { MbFileInfo } from './mbfile-info';

/**
 * A fast path for the MBFile archive almost every Manifest.db row holds (protocol.md §5.6): a
 * plain file or directory, no link target, key, digest or xattrs. Such archives differ only in
 * ten integers and the path, so the general writer's object walk (a third of a 50,000-row
 * Manifest.db's cost) is replaced by copying the bytes the general writer produced for a sample
 * and writing the eleven variable objects in between. Anything else returns undefined and goes
 * through the general writer, which stays the reference: a test compares both byte for byte.
 */
type PlainEncoder = (info: MbFileInfo) => Buffer | undefined;

/** Object indexes of the variable values in the archive's object table, in the order they come. */
const INT_SLOTS: ReadonlyArray<readonly [number, (info: MbFileInfo) => number]> = [
  [14, (info) => info.mtime],
  [16, (info) => info.flags ?? 0],
  [18, (info) => info.gid],
  [20, (info) => info.ctime],
  [24, (info) => info.birth],
  [26, (info) => info.size],
  [28, (info) => info.inode],
  [30, (info) => info.mode],
  [32, (info) => info.uid],
  [34, (info) => info.protectionClass],
];
const PATH_SLOT = 37;
const OBJECT_COUNT = 44;
const TRAILER_BYTES = 32;
const MAGIC_BYTES = 8;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** Consecutive objects that never change, copied at once; `starts` are their offsets within `bytes`. */
type Slot =
  | { readonly kind: 'fixed'; readonly bytes: Buffer; readonly starts: readonly number[] }
  | { readonly kind: 'int'; readonly value: (info: MbFileInfo) => number }
  | { readonly kind: 'path' };

/**
 * Builds the fast encoder from the general one: it archives a sample, cuts the result into its
 * objects, and keeps the runs of objects that do not depend on the row as ready-made bytes.
 */
export function createPlainMbFileEncoder(general: (info: MbFileInfo) => Buffer): PlainEncoder {
  const sample = general({ relativePath: 'sample/path', mode: 0o100644, inode: 1, uid: 501, gid: 501, mtime: 2, ctime: 3, birth: 4, size: 5, protectionClass: 3 });
  const objects = splitObjects(sample);
  // The path must not share a string object with the archive's own names (the writer shares equal strings).
  const reserved = new Set<string>();
  const slots: Slot[] = [];
  let run: Buffer[] = [];
  const endRun = (): void => {
    if (run.length === 0) return;
    const starts: number[] = [];
    let at = 0;
    for (const bytes of run) {
      starts.push(at);
      at += bytes.length;
    }
    slots.push({ kind: 'fixed', bytes: Buffer.concat(run), starts });
    run = [];
  };
  objects.forEach((bytes, index) => {
    const int = INT_SLOTS.find(([slot]) => slot === index);
    if (int || index === PATH_SLOT) {
      endRun();
      slots.push(int ? { kind: 'int', value: int[1] } : { kind: 'path' });
      return;
    }
    const text = asciiString(bytes);
    if (text !== undefined) reserved.add(text);
    run.push(bytes);
  });
  endRun();
  const fixedBytes = slots.reduce((sum, slot) => sum + (slot.kind === 'fixed' ? slot.bytes.length : 0), 0);

  return (info) => {
    if (info.linkTarget !== undefined || info.encryptionKey !== undefined || info.digest !== undefined || info.extendedAttributes !== undefined) return undefined;
    const path = info.relativePath;
    if (reserved.has(path)) return undefined;
    let bodyLength = MAGIC_BYTES + fixedBytes;
    for (const [, value] of INT_SLOTS) {
      const size = intSize(value(info));
      if (size === undefined) return undefined;
      bodyLength += 1 + size;
    }
    const ascii = ASCII.test(path);
    bodyLength += markerLength(path.length) + path.length * (ascii ? 1 : 2);

    const offsetSize = bodyLength <= 0xff ? 1 : bodyLength <= 0xffff ? 2 : 4;
    const out = Buffer.allocUnsafe(bodyLength + OBJECT_COUNT * offsetSize + TRAILER_BYTES);
    sample.copy(out, 0, 0, MAGIC_BYTES);
    let position = MAGIC_BYTES;
    let table = bodyLength;
    for (const slot of slots) {
      if (slot.kind === 'fixed') {
        for (const start of slot.starts) table = writeOffset(out, table, position + start, offsetSize);
        position += slot.bytes.copy(out, position);
        continue;
      }
      table = writeOffset(out, table, position, offsetSize);
      position = slot.kind === 'int' ? writeInt(out, position, slot.value(info)) : writePath(out, position, path, ascii);
    }
    out.fill(0, table, table + 6);
    out[table + 6] = offsetSize;
    out[table + 7] = 1; // object references: 44 objects fit in one byte
    out.writeUInt32BE(0, table + 8);
    out.writeUInt32BE(OBJECT_COUNT, table + 12);
    out.fill(0, table + 16, table + 28); // top object 0, high half of the table offset
    out.writeUInt32BE(bodyLength, table + 28);
    return out;
  };
}

function writeOffset(out: Buffer, table: number, offset: number, size: number): number {
  if (size === 2) {
    out[table] = offset >>> 8;
    out[table + 1] = offset & 0xff;
  } else {
    out.writeUIntBE(offset, table, size);
  }
  return table + size;
}

/** The bytes of each object of a binary plist, by object index. */
function splitObjects(plist: Buffer): Buffer[] {
  const trailer = plist.length - TRAILER_BYTES;
  const offsetSize = plist[trailer + 6] ?? 0;
  const refSize = plist[trailer + 7];
  const count = Number(plist.readBigUInt64BE(trailer + 8));
  const tableOffset = Number(plist.readBigUInt64BE(trailer + 24));
  if (count !== OBJECT_COUNT || refSize !== 1) throw new Error(`An MBFile archive changed shape (${count} objects); update mbfile-template.ts.`);
  const starts = Array.from({ length: count }, (_, index) => plist.readUIntBE(tableOffset + index * offsetSize, offsetSize));
  return starts.map((start, index) => Buffer.from(plist.subarray(start, starts[index + 1] ?? tableOffset)));
}

function asciiString(bytes: Buffer): string | undefined {
  const marker = bytes[0] ?? 0;
  if (marker >> 4 !== 0x5) return undefined;
  return (marker & 0x0f) === 0x0f ? bytes.subarray(3).toString('latin1') : bytes.subarray(1).toString('latin1');
}

/** 1, 2 or 4 bytes; undefined for what the fast path leaves to the general writer (negative, huge, fractional). */
function intSize(value: number): number | undefined {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) return undefined;
  return value <= 0xff ? 1 : value <= 0xffff ? 2 : 4;
}

function writeInt(out: Buffer, position: number, value: number): number {
  const size = intSize(value) ?? 4;
  out[position] = 0x10 | (size === 1 ? 0 : size === 2 ? 1 : 2);
  out.writeUIntBE(value, position + 1, size);
  return position + 1 + size;
}

function markerLength(count: number): number {
  return count < 15 ? 1 : 2 + (intSize(count) ?? 4);
}

function writePath(out: Buffer, position: number, path: string, ascii: boolean): number {
  const marker = ascii ? 0x50 : 0x60;
  if (path.length < 15) {
    out[position++] = marker | path.length;
  } else {
    out[position++] = marker | 0x0f;
    position = writeInt(out, position, path.length);
  }
  if (ascii) return position + out.write(path, position, 'latin1');
  return position + Buffer.from(path, 'utf16le').swap16().copy(out, position);
}
