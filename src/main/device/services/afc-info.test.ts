import { describe, expect, it } from 'vitest';
import { AfcError, parseKeyValuePairs, splitNulStrings } from './afc-protocol';
import { dateToNanoseconds, nanosecondsToDate, toDeviceInfo, toFileInfo } from './afc-info';

const pairs = (...items: string[]): Buffer => Buffer.from(items.map((item) => `${item}\0`).join(''));

describe('AFC info payloads (§4.4)', () => {
  it('reads a symlink with its target and keeps unmodelled keys', () => {
    const info = toFileInfo(parseKeyValuePairs(pairs('st_size', '12', 'st_ifmt', 'S_IFLNK', 'LinkTarget', '/var/mobile/x', 'st_flags', '0')), '/l');
    expect(info).toMatchObject({ size: 12, type: 'symlink', linkTarget: '/var/mobile/x', blocks: 0, linkCount: 1, modified: undefined });
    expect(info.raw.st_flags).toBe('0');
  });

  it('refuses file info without a size, and an unknown type reads as unknown', () => {
    expect(() => toFileInfo(parseKeyValuePairs(pairs('st_ifmt', 'S_IFREG')), '/f')).toThrow(/without a size/);
    expect(toFileInfo(parseKeyValuePairs(pairs('st_size', '1', 'st_ifmt', 'S_IFWHT')), '/f').type).toBe('unknown');
  });

  it('keeps __proto__ as an ordinary key and drops a dangling one', () => {
    const parsed = parseKeyValuePairs(pairs('__proto__', 'x', 'Model', 'iPhone14,5', 'dangling'));
    expect(parsed.__proto__).toBe('x');
    expect(toDeviceInfo(parsed)).toMatchObject({ model: 'iPhone14,5', totalBytes: undefined });
    expect(Object.keys(parsed)).toEqual(['__proto__', 'Model']);
  });

  it('converts nanoseconds both ways at millisecond precision', () => {
    const date = new Date('2021-06-01T12:00:00.250Z');
    expect(nanosecondsToDate(dateToNanoseconds(date).toString())?.toISOString()).toBe(date.toISOString());
    expect(() => dateToNanoseconds(new Date(-1))).toThrow(/before 1970/);
  });

  it('splits NUL lists with or without the final NUL', () => {
    expect(splitNulStrings(Buffer.from('.\0..\0a\0'))).toEqual(['.', '..', 'a']);
    expect(splitNulStrings(Buffer.from('a\0b'))).toEqual(['a', 'b']);
    expect(splitNulStrings(Buffer.alloc(0))).toEqual([]);
  });
});

describe('AfcError (§4.3)', () => {
  it('names known codes and still explains unknown ones', () => {
    const busy = new AfcError(19, 'Locking a file');
    expect(busy).toMatchObject({ statusName: 'OP_WOULD_BLOCK', code: 'device-refused' });
    expect(busy.message).toBe('Locking a file failed: The file is locked by another program on the device (for example another sync). (AFC OP_WOULD_BLOCK)');
    expect(new AfcError(77, 'Opening', '/x').message).toMatch(/Opening \/x failed: .*AFC error 77/);
  });
});
