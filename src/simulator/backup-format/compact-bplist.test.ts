import { describe, expect, it } from 'vitest';
import { type PlistValue, PlistUid, decodePlist, encodeBinaryPlist } from '../../main/device/codec';
import { encodeCompactBinaryPlist } from './compact-bplist';

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
