import { describe, expect, it } from 'vitest';
import { encodeBinaryPlist } from './plist-binary';
import { PlistReal, PlistUid } from './plist-value';

// The writer lays objects out in one pass over precomputed sizes; these are the bytes the earlier
// object-by-object writer produced for the same value, so the layout cannot drift unnoticed.
describe('binary plist writer layout', () => {
  it('writes a DL message byte for byte as before: shared strings, UTF-16, long lengths, every atom kind', () => {
    const value = [
      'DLMessageMoveItems',
      { 'a/Snapshot/0b/0b5e2fa1': 'a/0b/0b5e2fa1', 'é日': 'Ünïcödé path that is long', short: 'a/0b/0b5e2fa1' },
      new PlistReal(92.5),
      42,
      true,
      Buffer.from('0102', 'hex'),
      new PlistUid(300),
      new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)),
    ];
    expect(encodeBinaryPlist(value).toString('hex')).toBe(
      '62706c6973743030a8010208090a0b0c0d5f1012444c4d6573736167654d6f76654974656d73d30304050607065f1016612f536e617073686f742f30622f30623565326661316200e965e55573686f72745d612f30622f30623565326661316f101900dc006e00ef006300f6006400e900200070006100740068002000740068006100740020006900730020006c006f006e0067234057200000000000102a0942010281012c3341c1deca9280c49c0811262d464b515f949d9fa0a3a60000000000000101000000000000000e000000000000000000000000000000af',
    );
  });

  it('widens object references and offsets past 255 objects and 64 KB', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `Library/SMS/Attachments/${i.toString(16).padStart(4, '0')}/IMG_${i}.HEIC`);
    const bytes = encodeBinaryPlist(paths);
    const trailer = bytes.subarray(bytes.length - 32);
    expect([trailer[6], trailer[7]]).toEqual([4, 2]);
    expect(Number(trailer.readBigUInt64BE(8))).toBe(3001);
  });
});
