import { encodePlist, isPlistDict, type PlistDict, PlistReal, PlistUid, type PlistValue } from '../../src/main/device/codec';
import type { FuzzRandom } from './fuzz-random';

/** Paths a hostile phone or backup would like us to follow (protocol.md §3.5 names are relative). */
export const HOSTILE_NAMES = [
  '../outside/pwned',
  '../../outside/pwned',
  '../../../outside/secret.txt',
  '/etc/passwd',
  'a/../../../outside/pwned',
  'CON',
  'nul.txt',
  'LPT1.log',
  'name.',
  'name ',
  'a\0b',
  '..\\..\\outside\\pwned',
  'C:\\Windows\\system.ini',
  '',
  '.',
  '..',
  'x'.repeat(300),
  'dir/'.repeat(1100),
  '\u202e\u0000\uffff',
];

/** A value of a random kind, sometimes a hostile string or an out-of-range number. */
export function randomPlistValue(random: FuzzRandom, depth = 0): PlistValue {
  switch (random.int(depth > 3 ? 9 : 11)) {
    case 0:
      return random.pick(HOSTILE_NAMES);
    case 1:
      return random.pick([0, -1, 1, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -(2 ** 53)]);
    case 2:
      return random.pick([2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n]);
    case 3:
      return new PlistReal(random.pick([Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, 2.5]));
    case 4:
      return random.chance(0.5);
    case 5:
      return new Date(random.pick([0, -8.64e15, 8.64e15, Date.UTC(2025, 0, 1)]));
    case 6:
      return random.bytes(random.int(48));
    case 7:
      return new PlistUid(random.int(2 ** 32));
    case 8:
      return random.bytes(8).toString('latin1');
    case 9:
      return Array.from({ length: random.int(4) }, () => randomPlistValue(random, depth + 1));
    default: {
      const dict: Record<string, PlistValue> = {};
      for (let index = random.int(4); index > 0; index -= 1) dict[random.pick(['Size', 'Flags', 'Target', 'Path', random.pick(HOSTILE_NAMES)])] = randomPlistValue(random, depth + 1);
      return dict;
    }
  }
}

/**
 * A structure-aware mutation: walks a decoded sample and replaces, removes or adds a few values,
 * so the result still parses and reaches the code that reads fields (the byte mutations mostly
 * die in the decoder).
 */
export function mutatePlistValue(random: FuzzRandom, value: PlistValue, depth = 0): PlistValue {
  if (depth > 0 && random.chance(0.12)) return randomPlistValue(random);
  if (Array.isArray(value)) {
    const items = (value as readonly PlistValue[]).map((item) => (random.chance(0.4) ? mutatePlistValue(random, item, depth + 1) : item));
    if (random.chance(0.15)) items.splice(random.int(items.length + 1), 0, randomPlistValue(random));
    if (random.chance(0.1) && items.length > 0) items.splice(random.int(items.length), 1);
    return items;
  }
  if (isPlistDict(value)) {
    const dict: Record<string, PlistValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (random.chance(0.08)) continue;
      dict[key] = random.chance(0.4) ? mutatePlistValue(random, item, depth + 1) : item;
    }
    if (random.chance(0.15)) dict[random.pick(Object.keys(value).concat(['Extra']))] = randomPlistValue(random);
    return dict;
  }
  return random.chance(0.3) ? randomPlistValue(random) : value;
}

/** Mutates the structure, then encodes in either format (the host must read both, §0.1). */
export function mutatedPlistBytes(random: FuzzRandom, sample: PlistValue): Buffer {
  const mutated = mutatePlistValue(random, sample);
  try {
    return encodePlist(mutated, random.chance(0.5) ? 'binary' : 'xml');
  } catch {
    // Our own encoder refuses some values (NaN in XML, an integer wider than 64 bits that an earlier
    // byte mutation left in the sample, say): send the unmutated sample's bytes, or an empty dict.
    try {
      return encodePlist(sample, 'binary');
    } catch {
      return encodePlist({}, 'binary');
    }
  }
}

/**
 * A "billion laughs" binary plist: `depth` arrays of `fanout` references each to the next one, so
 * ~100 bytes describe fanout^depth leaves. A decoder that copies shared objects instead of sharing
 * them, or a reader that walks the tree, runs out of memory or time. `wrapKey` puts the bomb in a
 * dict under that key, where a backup plist or a DeviceLink dict would carry it.
 */
export function billionLaughsBplist(depth: number, fanout: number, wrapKey?: string): Buffer {
  const objects: Buffer[] = [];
  const first = wrapKey === undefined ? 0 : 2;
  if (wrapKey !== undefined) {
    objects.push(Buffer.from([0xd1, 1, 2])); // { <1>: <2> }
    const marker = wrapKey.length < 15 ? [0x50 | wrapKey.length] : [0x5f, 0x10, wrapKey.length];
    objects.push(Buffer.concat([Buffer.from(marker), Buffer.from(wrapKey, 'latin1')]));
  }
  for (let level = 0; level < depth; level += 1) {
    const next = first + level + 1;
    objects.push(Buffer.from([0xa0 | 0x0f, 0x10, fanout, ...Array.from({ length: fanout }, () => next)]));
  }
  objects.push(Buffer.from([0x53, 0x6c, 0x6f, 0x6c])); // "lol"
  return assembleBplist(objects, 0);
}

/** A binary plist whose top array contains itself: a decoder without a cycle check recurses forever. */
export function cyclicBplist(): Buffer {
  return assembleBplist([Buffer.from([0xa2, 0, 1]), Buffer.from([0xd1, 2, 0]), Buffer.from([0x51, 0x78])], 0);
}

/** Header, objects, 1-byte offsets table and trailer (protocol.md §0.1 binary layout). */
function assembleBplist(objects: readonly Buffer[], top: number): Buffer {
  const header = Buffer.from('bplist00', 'latin1');
  const offsets: number[] = [];
  let position = header.length;
  for (const object of objects) {
    offsets.push(position);
    position += object.length;
  }
  const offsetSize = position > 0xff ? 2 : 1;
  const table = Buffer.alloc(offsets.length * offsetSize);
  offsets.forEach((offset, index) => (offsetSize === 1 ? table.writeUInt8(offset, index) : table.writeUInt16BE(offset, index * 2)));
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = 1;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(top), 16);
  trailer.writeBigUInt64BE(BigInt(position), 24);
  return Buffer.concat([header, ...objects, table, trailer]);
}

export function asDict(value: PlistValue): PlistDict {
  return isPlistDict(value) ? value : {};
}
