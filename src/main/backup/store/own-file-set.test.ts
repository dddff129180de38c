import { describe, expect, it } from 'vitest';
import { OwnFileSet } from './own-file-set';

const PREFIX = '/staging/000001AC-A365F41CBC5E8EAC/';
/** A full backup's upload name, `Snapshot/xx/<40 hex>` (protocol.md §3.5). */
const upload = (index: number): string => {
  const id = index.toString(16).padStart(40, '0');
  return `${PREFIX}Snapshot/${id.slice(-2)}/${id}`;
};

describe('OwnFileSet', () => {
  it('is exact: every name added is found, no other name is, also after deletes and growing', () => {
    const set = new OwnFileSet({ prefix: PREFIX, maxEntries: 100_000, maxBytes: 8 * 1024 * 1024 });
    for (let index = 0; index < 20_000; index += 1) expect(set.add(upload(index))).toBe(true);
    for (let index = 0; index < 20_000; index += 2) expect(set.delete(upload(index))).toBe(true);
    for (let index = 20_000; index < 30_000; index += 1) set.add(upload(index));
    expect(set.size).toBe(20_000);
    for (let index = 0; index < 30_000; index += 1) expect(set.has(upload(index))).toBe(index >= 20_000 || index % 2 === 1);
    // Near misses: one character more, less or changed, another folder, the folder itself.
    expect(set.has(`${upload(1)}0`)).toBe(false);
    expect(set.has(upload(1).slice(0, -1))).toBe(false);
    expect(set.has(upload(1).replace(/1$/, '2'))).toBe(false);
    expect(set.has(upload(1).replace(PREFIX, '/other/'))).toBe(false);
    expect(set.has(PREFIX)).toBe(false);
    expect(new Set(set.values())).toEqual(new Set(Array.from({ length: 30_000 }, (_unused, index) => index).filter((index) => index >= 20_000 || index % 2 === 1).map(upload)));
  });

  it('never holds more than its bound of names or bytes, and refuses (forgets) rather than grows', () => {
    const set = new OwnFileSet({ prefix: PREFIX, maxEntries: 1_000, maxBytes: 1_000_000 });
    for (let index = 0; index < 2_000; index += 1) set.add(upload(index));
    expect(set.size).toBe(1_000);
    expect(set.has(upload(999))).toBe(true);
    expect(set.has(upload(1_000))).toBe(false);
    const bytes = new OwnFileSet({ prefix: PREFIX, maxEntries: 1_000_000, maxBytes: 52 * 100 });
    for (let index = 0; index < 200; index += 1) bytes.add(upload(index));
    expect(bytes.size).toBe(100);
    expect(bytes.bytesUsed).toBeLessThanOrEqual(52 * 100);
  });

  it('gives the bytes of deleted names back when it runs out, keeping the live ones', () => {
    const set = new OwnFileSet({ prefix: PREFIX, maxEntries: 1_000_000, maxBytes: 52 * 1_000 });
    for (let index = 0; index < 1_000; index += 1) expect(set.add(upload(index))).toBe(true);
    expect(set.add(upload(1_000))).toBe(false);
    // A full backup's moves: each moved name leaves, its new name comes in.
    for (let index = 0; index < 600; index += 1) set.delete(upload(index));
    for (let index = 1_000; index < 1_600; index += 1) expect(set.add(upload(index))).toBe(true);
    expect(set.bytesUsed).toBeLessThanOrEqual(52 * 1_000);
    for (let index = 0; index < 1_600; index += 1) expect(set.has(upload(index))).toBe(index >= 600);
  });

  it('does not store a name outside its prefix or one with a character a byte cannot hold', () => {
    const set = new OwnFileSet({ prefix: PREFIX, maxEntries: 10, maxBytes: 1_000 });
    expect(set.add('/elsewhere/file')).toBe(false);
    expect(set.add(`${PREFIX}Ωmega`)).toBe(false);
    expect(set.add(`${PREFIX}café`)).toBe(true);
    expect([set.has('/elsewhere/file'), set.has(`${PREFIX}Ωmega`), set.has(`${PREFIX}café`), set.has(`${PREFIX}cafe`)]).toEqual([false, false, true, false]);
    expect(set.values()).toEqual([`${PREFIX}café`]);
  });

  it('clear() forgets everything and takes names again', () => {
    const set = new OwnFileSet({ prefix: PREFIX, maxEntries: 10_000, maxBytes: 1_000_000 });
    for (let index = 0; index < 5_000; index += 1) set.add(upload(index));
    set.clear();
    expect([set.size, set.bytesUsed, set.has(upload(1))]).toEqual([0, 0, false]);
    expect(set.add(upload(1))).toBe(true);
    expect(set.values()).toEqual([upload(1)]);
  });
});
