import { describe, expect, it } from 'vitest';
import { decodePlist, encodeBinaryPlist } from './plist';
import { PLIST_BUDGETS, type PlistBudget, PlistTooLargeError } from './plist-budget';
import { PlistShapeError } from './plist-value';
import { assembleBplist, billionLaughsBplist, selfContainingBplist } from './test-support/hostile-plists';

/**
 * Plists built to hurt the decoder (issue 13): each must end in a PlistShapeError after a bounded
 * amount of work, never in a hang, a RangeError or an exhausted heap. Bounds are asserted on the
 * outcome (which limit stopped it), not on the clock.
 */

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the decoder to refuse the input');
}

const tiny: PlistBudget = { maxNodes: 50, maxDepth: 8, maxContentBytes: 1000 };

describe('binary plists with shared references (billion laughs)', () => {
  it.each(Object.entries(PLIST_BUDGETS))('refuses 2^30 strings in ~160 bytes within the %s budget as too many values', (_use, budget) => {
    const bytes = billionLaughsBplist(30);
    expect(bytes.length).toBeLessThanOrEqual(170);
    const error = thrown(() => decodePlist(bytes, budget));
    expect(error).toBeInstanceOf(PlistTooLargeError);
    expect(error).toBeInstanceOf(PlistShapeError);
    expect((error as PlistTooLargeError).limit).toBe('nodes');
    expect((error as Error).message).toMatch(/more than [\d,]+ values/);
  });

  it('decodes a shared array within the budget, each reference as its own copy', () => {
    const value = decodePlist(billionLaughsBplist(3), tiny) as unknown[][];
    expect(value).toEqual([[['h', 'h'], ['h', 'h']], [['h', 'h'], ['h', 'h']]]);
    // Containers are not shared: changing one copy cannot change another.
    expect(value[0]).not.toBe(value[1]);
  });

  it('counts every reference to a shared string against the content budget', () => {
    const big = Buffer.concat([Buffer.from([0x5f, 0x11, 0x01, 0x90]), Buffer.alloc(400, 0x61)]); // a 400-byte ASCII string
    const bytes = assembleBplist([Buffer.from([0xa3, 1, 1, 1]), big]);
    expect(decodePlist(bytes, { ...tiny, maxContentBytes: 1200 })).toEqual(['a'.repeat(400), 'a'.repeat(400), 'a'.repeat(400)]);
    expect((thrown(() => decodePlist(bytes, tiny)) as PlistTooLargeError).limit).toBe('content');
  });

  it('refuses nesting deeper than the budget', () => {
    const error = thrown(() => decodePlist(billionLaughsBplist(12), { ...tiny, maxNodes: 1_000_000 }));
    expect((error as PlistTooLargeError).limit).toBe('depth');
  });

  it('refuses an array that contains itself', () => {
    expect(() => decodePlist(selfContainingBplist())).toThrow(/contains itself/);
  });
});

describe('binary plists that lie about their layout', () => {
  const valid = encodeBinaryPlist({ a: [1, 'two', true] });

  it.each([
    ['a trailer with 0-byte references', (b: Buffer) => (b[b.length - 25] = 0)],
    ['an object count of 2^63', (b: Buffer) => b.writeBigUInt64BE(1n << 63n, b.length - 24)],
    ['a top object past the end', (b: Buffer) => b.writeBigUInt64BE(99n, b.length - 16)],
    ['an offset table past the trailer', (b: Buffer) => b.writeBigUInt64BE(BigInt(b.length), b.length - 8)],
    ['an object offset inside the offset table', (b: Buffer) => (b[Number(b.readBigUInt64BE(b.length - 8))] = 0xff)],
    ['an array longer than the file', (b: Buffer) => (b[b.indexOf(0xa3)] = 0xaf)],
  ])('refuses %s with a PlistShapeError', (_name, damage) => {
    const bytes = Buffer.from(valid);
    damage(bytes);
    expect(() => decodePlist(bytes)).toThrow(PlistShapeError);
  });

  it('refuses a reference to an object that does not exist', () => {
    expect(() => decodePlist(assembleBplist([Buffer.from([0xa1, 0x07])]))).toThrow(/object 7 of 1/);
  });

  it('keeps a "__proto__" key as an entry instead of swapping the prototype', () => {
    const bytes = assembleBplist([Buffer.from([0xd1, 1, 2]), Buffer.from('595f5f70726f746f5f5f', 'hex'), Buffer.from([0x09])]);
    const value = decodePlist(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('refuses a dictionary whose key is not a string', () => {
    expect(() => decodePlist(assembleBplist([Buffer.from([0xd1, 1, 1]), Buffer.from([0x10, 0x05])]))).toThrow(/key is not a string/);
  });
});

describe('XML plists within a budget', () => {
  const xmlOf = (body: string): Buffer => Buffer.from(`<?xml version="1.0"?><plist version="1.0">${body}</plist>`);

  it('refuses more values than the budget, counting keys', () => {
    const error = thrown(() => decodePlist(xmlOf(`<array>${'<true/>'.repeat(60)}</array>`), tiny));
    expect((error as PlistTooLargeError).limit).toBe('nodes');
    expect(decodePlist(xmlOf(`<array>${'<true/>'.repeat(40)}</array>`), tiny)).toHaveLength(40);
  });

  it('refuses more text and data than the budget', () => {
    const error = thrown(() => decodePlist(xmlOf(`<array><string>${'x'.repeat(600)}</string><data>${Buffer.alloc(600).toString('base64')}</data></array>`), tiny));
    expect((error as PlistTooLargeError).limit).toBe('content');
  });

  it('refuses an integer of a million digits instead of spending seconds on it', () => {
    expect(() => decodePlist(xmlOf(`<integer>${'9'.repeat(1_000_000)}</integer>`))).toThrow(/bad integer/);
  });

  it('reads text around a comment as one run, and refuses a stray "<"', () => {
    expect(decodePlist(xmlOf('<string>a<!-- note -->b</string>'))).toBe('ab');
    expect(() => decodePlist(xmlOf('<string>a < b</string>'))).toThrow(/stray "<"/);
  });
});
