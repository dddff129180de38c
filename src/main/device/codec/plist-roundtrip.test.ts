import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePlist, encodePlist } from './plist';
import { type PlistValue, PlistReal, PlistUid } from './plist-value';

// Values as our decoders produce them: integers as number when safe else bigint, reals as number,
// data as Buffer, UIDs as PlistUid. Dates are whole seconds for XML (its <date> has no fraction).
function plistArbitrary(wholeSecondDates: boolean): fc.Arbitrary<PlistValue> {
  const integer = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map((n) =>
      n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n,
    ),
  );
  const real = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x));
  const date = fc
    .date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true })
    .map((d) => (wholeSecondDates ? new Date(Math.floor(d.getTime() / 1000) * 1000) : d));
  const leaf: fc.Arbitrary<PlistValue> = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    integer,
    real,
    fc.boolean(),
    date,
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => new PlistUid(n)),
  );
  return fc.letrec<{ value: PlistValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 6 }),
      // bplist-parser builds dicts by assignment, so a `__proto__` key never reaches us (tested below).
      fc.dictionary(fc.string().filter((key) => key !== '__proto__'), tie('value'), { maxKeys: 6 }),
    ),
  })).value;
}

describe('plist round trips', () => {
  it('binary: decode(encode(v)) equals v for any value', () => {
    fc.assert(
      fc.property(plistArbitrary(false), (value) => {
        expect(decodePlist(encodePlist(value, 'binary'))).toEqual(value);
      }),
      { numRuns: 400 },
    );
  });

  it('XML: decode(encode(v)) equals v for any value (dates to the second)', () => {
    // XML text cannot carry every code point (lone surrogates, most control characters): skip those.
    const xmlSafe = (v: PlistValue): boolean => !JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)).match(/\\u00[01][0-9a-f]|\\ud[89a-f]/i);
    fc.assert(
      fc.property(plistArbitrary(true).filter(xmlSafe), (value) => {
        expect(decodePlist(encodePlist(value, 'xml'))).toEqual(value);
      }),
      { numRuns: 400 },
    );
  });

  it('never lets a peer-sent __proto__ key change an object\'s prototype', () => {
    const xml = '<plist><dict><key>__proto__</key><dict><key>polluted</key><true/></dict></dict></plist>';
    const decoded = decodePlist(Buffer.from(xml)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect((decoded as { polluted?: boolean }).polluted).toBeUndefined();
    const binary = decodePlist(encodePlist(decoded as PlistValue, 'binary')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(binary)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('keeps the protocol pitfalls of §0.1 apart: integral reals, UIDs, unsigned 64-bit, negatives, dates', () => {
    const message = {
      SupportedProtocolVersions: [new PlistReal(2), new PlistReal(2.1)],
      root: new PlistUid(1),
      looksLikeUid: { UID: 3 },
      status: 18446744073709551603n,
      negative: -13,
      date: new Date('2021-12-03T10:00:00.250Z'),
      data: Buffer.from([0, 1, 2, 255]),
    };
    for (const format of ['binary', 'xml'] as const) {
      const decoded = decodePlist(encodePlist(message, format)) as Record<string, PlistValue>;
      expect(decoded.SupportedProtocolVersions).toEqual([2, 2.1]);
      expect(decoded.root).toEqual(new PlistUid(1));
      expect(decoded.looksLikeUid).toEqual({ UID: 3 });
      expect(decoded.status).toBe(18446744073709551603n);
      expect(decoded.negative).toBe(-13);
      expect(decoded.data).toEqual(Buffer.from([0, 1, 2, 255]));
    }
    // UIDs at the edges of each width (fast-check found 2^32-1 overflowing the writer).
    for (const uid of [0, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      expect(decodePlist(encodePlist({ uid: new PlistUid(uid) }, 'binary'))).toEqual({ uid: new PlistUid(uid) });
    }
    const binary = encodePlist({ v: new PlistReal(2) }, 'binary');
    // 0x23 = 8-byte real marker: an integral real stays a real on the wire.
    expect(binary.includes(Buffer.from([0x23, 0x40, 0x00, 0, 0, 0, 0, 0, 0]))).toBe(true);
    expect(encodePlist({ v: new PlistReal(2) }, 'xml').toString()).toContain('<real>2</real>');
  });
});
