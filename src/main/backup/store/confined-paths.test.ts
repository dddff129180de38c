import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parentFolder } from './confined-paths';

describe('parentFolder', () => {
  it('is path.dirname for the paths a backup resolves and for the odd ones', () => {
    for (const sample of ['/a/b/c', '/a', '/', 'a', '', '/a/b/', '/a//b', 'a/b', '//a', '/a/b/c.d', '/tmp/x/Snapshot/0a/0a1b']) {
      expect(parentFolder(sample)).toBe(path.dirname(sample));
    }
  });

  it('agrees with path.dirname on any mix of separators and names', () => {
    const part = fc.constantFrom('/', '//', '///', 'a', 'bc', '.', '..', 'Snapshot', '0f', 'é');
    fc.assert(
      fc.property(fc.array(part, { maxLength: 10 }), (parts) => {
        const sample = parts.join('');
        expect(parentFolder(sample)).toBe(path.dirname(sample));
      }),
      { numRuns: 5000 },
    );
  });
});
