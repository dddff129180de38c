/**
 * Hand-assembled binary plists for tests, benchmarks and fuzzing: shapes our own encoder never
 * writes (shared containers, cycles, lying offsets), laid out as protocol.md §0.1 describes.
 */

/**
 * A bplist from raw object bodies: object i is `objects[i]` (its marker byte first), references
 * and offsets are 1 byte wide unless `refSize` says otherwise, and the top object is `top`.
 */
export function assembleBplist(objects: readonly Buffer[], top = 0, refSize = 1): Buffer {
  const offsets: number[] = [];
  let position = 8;
  for (const object of objects) {
    offsets.push(position);
    position += object.length;
  }
  const offsetSize = position <= 0xff ? 1 : position <= 0xffff ? 2 : 4;
  const table = Buffer.alloc(offsets.length * offsetSize);
  offsets.forEach((offset, i) => table.writeUIntBE(offset, i * offsetSize, offsetSize));
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = refSize;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(top), 16);
  trailer.writeBigUInt64BE(BigInt(position), 24);
  return Buffer.concat([Buffer.from('bplist00', 'latin1'), ...objects, table, trailer]);
}

/**
 * "Billion laughs": objects 0..depth-1 are arrays that each refer twice to the next, the last is a
 * short string, so ~3·depth + 40 bytes stand for 2^depth strings (depth ≤ 254).
 */
export function billionLaughsBplist(depth: number): Buffer {
  const arrays = Array.from({ length: depth }, (_, i) => Buffer.from([0xa2, i + 1, i + 1]));
  return assembleBplist([...arrays, Buffer.from('5168', 'hex')]);
}

/** An array whose only element is itself. */
export function selfContainingBplist(): Buffer {
  return assembleBplist([Buffer.from([0xa1, 0x00])]);
}
