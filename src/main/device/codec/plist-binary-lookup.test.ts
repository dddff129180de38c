import { describe, expect, it } from 'vitest';
import { BinaryPlistLookup } from './plist-binary-lookup';
import { encodeBinaryPlist } from './plist-binary';
import { PlistUid } from './plist-value';
import { assembleBplist, billionLaughsBplist, selfContainingBplist } from './test-support/hostile-plists';

describe('BinaryPlistLookup', () => {
  it('finds a dict value, an array item, integers and UIDs without decoding the rest', () => {
    const bytes = encodeBinaryPlist({ $top: { root: new PlistUid(1) }, $objects: ['$null', { Size: 123_456, Big: 2 ** 40, Mode: 0o100644, Name: 'x' }], other: 'y' });
    const plist = BinaryPlistLookup.open(bytes);
    expect(plist).toBeDefined();
    if (plist === undefined) return;
    const top = plist.dictValue(plist.top, '$top');
    const root = plist.uid(plist.dictValue(top as number, 'root') as number);
    expect(root).toBe(1);
    const record = plist.arrayItem(plist.dictValue(plist.top, '$objects') as number, root as number) as number;
    expect(plist.isDict(record)).toBe(true);
    expect(plist.integer(plist.dictValue(record, 'Size') as number)).toBe(123_456);
    expect(plist.integer(plist.dictValue(record, 'Big') as number)).toBe(2 ** 40);
    expect(plist.integer(plist.dictValue(record, 'Mode') as number)).toBe(0o100644);
    // Not there, or not what was asked for: undefined, never a guess.
    expect(plist.dictValue(record, 'Siz')).toBeUndefined();
    expect(plist.integer(plist.dictValue(record, 'Name') as number)).toBeUndefined();
    expect(plist.arrayItem(plist.dictValue(plist.top, '$objects') as number, 2)).toBeUndefined();
    expect(plist.uid(plist.dictValue(record, 'Size') as number)).toBeUndefined();
  });

  it('answers undefined for a key it cannot be sure of: a UTF-16 key anywhere in the dict, or the key twice', () => {
    // {Size (UTF-16): 7, Mode: 8}, then {Size: 7, Size: 8}: the full decoder reads Size 7, then 8 (the last).
    const utf16Key = assembleBplist([Buffer.from([0xd2, 1, 2, 3, 4]), Buffer.from('6400530069007a0065', 'hex'), Buffer.from('544d6f6465', 'hex'), Buffer.from([0x10, 7]), Buffer.from([0x10, 8])]);
    const a = BinaryPlistLookup.open(utf16Key);
    expect(a?.dictValue(a.top, 'Size')).toBeUndefined();
    expect(a?.dictValue(a.top, 'Mode')).toBeUndefined();
    const twice = assembleBplist([Buffer.from([0xd2, 1, 1, 2, 3]), Buffer.from('5453697a65', 'hex'), Buffer.from([0x10, 7]), Buffer.from([0x10, 8])]);
    const b = BinaryPlistLookup.open(twice);
    expect(b?.dictValue(b.top, 'Size')).toBeUndefined();
  });

  it('leaves negative and 16-byte integers to the full decoder', () => {
    const negative = BinaryPlistLookup.open(encodeBinaryPlist({ n: -5 }));
    expect(negative?.integer(negative.dictValue(negative.top, 'n') as number)).toBeUndefined();
    // A 16-byte integer (marker 0x14) holding 1.
    const wide = assembleBplist([Buffer.from([0xd1, 1, 2]), Buffer.from('516e', 'hex'), Buffer.concat([Buffer.from([0x14]), Buffer.alloc(15), Buffer.from([1])])]);
    const plist = BinaryPlistLookup.open(wide);
    expect(plist?.integer(plist.dictValue(plist.top, 'n') as number)).toBeUndefined();
  });

  it('answers undefined, without throwing, for bytes that lie', () => {
    expect(BinaryPlistLookup.open(Buffer.from('not a plist at all, but long enough to have a trailer....'))).toBeUndefined();
    expect(BinaryPlistLookup.open(Buffer.alloc(0))).toBeUndefined();
    // A dict whose references point past the object table, a length past the end, a reference to itself.
    const lying = BinaryPlistLookup.open(assembleBplist([Buffer.from([0xd1, 9, 9])]));
    expect(lying?.dictValue(lying.top, 'x')).toBeUndefined();
    const long = BinaryPlistLookup.open(assembleBplist([Buffer.from([0xdf, 0x10, 0xff, 0, 0])]));
    expect(long?.dictValue(long.top, 'x')).toBeUndefined();
    const self = BinaryPlistLookup.open(selfContainingBplist());
    expect(self?.arrayItem(self.top, 0)).toBe(0);
    expect(self?.dictValue(self.top, 'x')).toBeUndefined();
    const laughs = BinaryPlistLookup.open(billionLaughsBplist(60));
    expect(laughs?.arrayItem(laughs.top, 1)).toBe(1);
    // Trailer offsets that do not fit the bytes.
    const truncated = assembleBplist([Buffer.from([0xd0])]);
    truncated.writeUInt32BE(10_000, truncated.length - 4);
    expect(BinaryPlistLookup.open(truncated)).toBeUndefined();
  });
});
