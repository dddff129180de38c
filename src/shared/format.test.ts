import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatTimeLeft } from './format';

describe('formatBytes', () => {
  it.each([
    [undefined, '?'],
    [0, '0 bytes'],
    [1, '1 byte'],
    [999, '999 bytes'],
    [1000, '1.0 KB'],
    [1_500_000, '1.5 MB'],
    [128_000_000_000, '128 GB'],
    [2.5e12, '2.5 TB'],
  ])('%s → %s', (input, expected) => expect(formatBytes(input)).toBe(expected));
});

describe('formatDuration', () => {
  it.each([
    [undefined, '?'],
    [4.4, '4 s'],
    [75, '1 min 15 s'],
    [3 * 3600 + 120, '3 h 2 min'],
  ])('%s → %s', (input, expected) => expect(formatDuration(input)).toBe(expected));
});

describe('formatTimeLeft', () => {
  it.each([
    [undefined, '?'],
    [1, '5 s'],
    [43, '45 s'],
    [120, '2 min'],
    [3600, '1 h'],
    [2 * 3600 + 5 * 60, '2 h 5 min'],
  ])('%s → %s', (input, expected) => expect(formatTimeLeft(input)).toBe(expected));
});
