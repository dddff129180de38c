import creator from 'bplist-creator';
import * as bplistParser from 'bplist-parser';
import * as plistLibrary from 'plist';
import { describe, expect, it } from 'vitest';
import { decodePlist, decodeXmlPlist, encodeBinaryPlist } from './plist';
import { PLIST_BUDGETS, PlistTooLargeError } from './plist-budget';
import { PlistUid } from './plist-value';
import { assembleBplist, billionLaughsBplist } from './test-support/hostile-plists';

/**
 * Why the codec encodes on its own: the owner's libraries are right for some things and wrong for
 * others. These tests pin down the wrong ones, so the day a library fixes them the note can go.
 */
describe('bplist-creator pitfalls (reason we encode binary plists ourselves)', () => {
  it('turns any one-key dict {UID: n} into a keyed-archiver UID', () => {
    const viaCreator = decodePlist(creator({ entry: { UID: 7 } })) as Record<string, unknown>;
    expect(viaCreator.entry).toBeInstanceOf(PlistUid);
    const ours = decodePlist(encodeBinaryPlist({ entry: { UID: 7 } })) as Record<string, unknown>;
    expect(ours.entry).toEqual({ UID: 7 });
  });

  it('writes an integral JavaScript number as an integer, so Hello versions lose their real type without a wrapper', () => {
    const bytes = creator({ v: 2 });
    expect(bytes.includes(Buffer.from([0x23]))).toBe(false);
  });
});

describe('bplist-parser pitfalls (reason we decode binary plists ourselves, docs/dependencies.md)', () => {
  it('expands a shared array at every reference, with no budget: 2^14 strings from under 100 bytes', () => {
    const bytes = billionLaughsBplist(14);
    expect(bytes.length).toBeLessThan(100);
    const parsed = bplistParser.parseBuffer(bytes)[0] as unknown[];
    expect(parsed.flat(Infinity)).toHaveLength(2 ** 14);
    expect(() => decodePlist(bytes, PLIST_BUDGETS.archivedRecord)).toThrow(PlistTooLargeError);
  });

  it('assigns a "__proto__" key with `dict[key] =`, swapping the prototype instead of adding an entry', () => {
    const bytes = assembleBplist([Buffer.from([0xd1, 1, 2]), Buffer.from('595f5f70726f746f5f5f', 'hex'), Buffer.from([0xd0])]);
    const parsed = bplistParser.parseBuffer(bytes)[0] as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([]);
    expect(Object.keys(decodePlist(bytes) as Record<string, unknown>)).toEqual(['__proto__']);
  });

  it('reads 64-bit and 128-bit integers, dates, data and UIDs as our decoder does (what it was kept for)', () => {
    const value = { big: 9223372036854775813n, u64: 18446744073709551603n, d: new Date(1_000_000_000_123), x: Buffer.from('hi'), u: new PlistUid(9) };
    const bytes = encodeBinaryPlist(value);
    expect(decodePlist(bytes)).toEqual(value);
    const parsed = bplistParser.parseBuffer(bytes)[0] as Record<string, unknown>;
    expect([parsed.big, parsed.u64, parsed.d]).toEqual([value.big, value.u64, value.d]);
  });
});

describe('plist (XML) pitfalls (reason we parse and write XML ourselves)', () => {
  const xml = '<?xml version="1.0"?><plist version="1.0"><dict><key>n</key><integer>18446744073709551603</integer><key>d</key><data>aGk=</data></dict></plist>';

  it('rounds integers above 2^53', () => {
    const parsed = plistLibrary.parse(xml) as Record<string, unknown>;
    expect(parsed.n).not.toBe(18446744073709551603n);
    expect((decodeXmlPlist(Buffer.from(xml)) as Record<string, unknown>).n).toBe(18446744073709551603n);
  });

  it('returns data as a Uint8Array rather than a Buffer', () => {
    const parsed = plistLibrary.parse(xml) as Record<string, unknown>;
    expect(Buffer.isBuffer(parsed.d)).toBe(false);
    expect(Buffer.isBuffer((decodeXmlPlist(Buffer.from(xml)) as Record<string, unknown>).d)).toBe(true);
  });
});
