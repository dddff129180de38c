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

  it('writes sizes and dates (hundreds per listing, written in place) byte for byte as before', () => {
    const value = [
      0, 1, 255, 256, 65535, 65536, 0xffffffff, 0x100000000, -1, 1.5,
      new Date(Date.UTC(2023, 4, 6, 7, 8, 9, 123)),
      new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      { DLFileSize: 4096, DLFileModificationDate: new Date(0) },
    ];
    expect(encodeBinaryPlist(value).toString('hex')).toBe(
      '62706c6973743030ad0102030405060708090a0b0c0d1000100110ff11010011ffff120001000012ffffffff13000000010000000013ffffffffffffffff233ff80000000000003341c5031a2c8fbe7733c17e285000041893d20e0f10115a444c46696c6553697a655f1016444c46696c654d6f64696669636174696f6e4461746511100033c1cd27e4400000000816181a1c1f22272c353e4750595e698285000000000000010100000000000000120000000000000000000000000000008e',
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
