import { describe, expect, it } from 'vitest';
import { type PlistValue, PlistReal, PlistUid, decodePlist, encodeBinaryPlist } from '../../main/device/codec';
import { decodeCompactBinaryPlist } from './compact-bplist-reader';
import { encodeCompactBinaryPlist } from './compact-bplist-writer';

describe('encodeCompactBinaryPlist', () => {
  it('writes what the codec decodes back to the same value', () => {
    const samples: PlistValue[] = [
      { a: 1, b: 'two', c: [true, false, Buffer.from([1, 2, 3])] },
      ['$null', new PlistUid(0), new PlistUid(255), new PlistUid(256), new PlistUid(70000)],
      { ints: [0, 15, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 40)] },
      { unicode: 'Média/日本/ß — 🙂', long: 'x'.repeat(300), empty: '' },
      { bigData: Buffer.alloc(70000, 9), many: Array.from({ length: 300 }, (_, i) => `s${i}`) },
      { same: 'shared', again: 'shared', nested: { shared: 'shared' } },
    ];
    for (const sample of samples) {
      expect(decodePlist(encodeCompactBinaryPlist(sample))).toEqual(decodePlist(encodeBinaryPlist(sample)));
      expect(decodePlist(encodeCompactBinaryPlist(sample))).toEqual(sample);
    }
  });

  it('refuses values it cannot represent exactly', () => {
    expect(() => encodeCompactBinaryPlist({ x: 1.5 })).toThrow(/safe integers/);
    expect(() => encodeCompactBinaryPlist({ x: new Date() })).toThrow(/cannot encode/);
  });
});

describe('decodeCompactBinaryPlist', () => {
  const samples: PlistValue[] = [
    { a: 1, b: 'two', c: [true, false, Buffer.from([1, 2, 3])] },
    ['$null', new PlistUid(0), new PlistUid(255), new PlistUid(256), new PlistUid(70000)],
    { ints: [0, 15, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 40), 2n ** 63n - 1n] },
    { reals: [0.5, -1.25, new PlistReal(1e300)], date: new Date('2021-12-03T10:11:12.500Z') },
    { unicode: 'Média/日本/ß — 🙂', long: 'x'.repeat(300), empty: '' },
    { bigData: Buffer.alloc(70000, 9), many: Array.from({ length: 300 }, (_, i) => `s${i}`) },
  ];

  it('reads what the codec reads, for everything the codec writes', () => {
    for (const sample of samples) {
      const bytes = encodeBinaryPlist(sample);
      expect(decodeCompactBinaryPlist(bytes)).toEqual(decodePlist(bytes));
    }
  });

  it('refuses truncated, self-referencing and non-plist input', () => {
    const bytes = encodeBinaryPlist(samples[0]!);
    expect(() => decodeCompactBinaryPlist(bytes.subarray(0, bytes.length - 5))).toThrow(RangeError);
    expect(() => decodeCompactBinaryPlist(Buffer.from('<?xml version="1.0"?><plist/>'))).toThrow(RangeError);
    // A one-object plist whose only object is an array containing itself.
    const loop = Buffer.concat([
      Buffer.from('bplist00', 'latin1'),
      Buffer.from([0xa1, 0x00]),
      Buffer.from([0x08]),
      Buffer.from([0, 0, 0, 0, 0, 0, 1, 1]),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 10]),
    ]);
    expect(() => decodeCompactBinaryPlist(loop)).toThrow(/refers to itself/);
    const fuzzed = Buffer.from(bytes);
    for (let i = 8; i < fuzzed.length; i += 3) {
      const copy = Buffer.from(fuzzed);
      copy.writeUInt8(copy.readUInt8(i) ^ 0xff, i);
      try {
        decodeCompactBinaryPlist(copy);
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
      }
    }
  });
});
