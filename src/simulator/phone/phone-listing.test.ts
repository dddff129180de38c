import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GeneratedContentCache } from './content-cache';
import { generatedSource } from './content/content-spec';
import { contentOfRow, type ContentColumns } from './phone-index';
import { ReusedListing } from './phone-listing';
import type { PhoneEntry } from './phone-model';
import { openPhone, type StorePhone } from './phone-store';

const dirs: string[] = [];
const phones: StorePhone[] = [];

function open(seed = 3): StorePhone {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  dirs.push(dir);
  const phone = openPhone(dir, { seed, profile: 'small' });
  phones.push(phone);
  return phone;
}

const keyOf = (entry: PhoneEntry): string => `${entry.domain}/${entry.relativePath}`;
const newFile = { domain: 'HomeDomain', relativePath: 'Library/SMS/added.txt', kind: 'file', mode: 0o100644, uid: 501, gid: 501, mtime: 1, ctime: 1, birth: 1, protectionClass: 3 } as const;

afterEach(() => {
  for (const phone of phones.splice(0)) phone.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('phone listing reuse', () => {
  it('keeps no listing longer than its limit, so a million-file phone is read from its index each time', () => {
    const made = (count: number): PhoneEntry[] => Array.from({ length: count }, (_, index) => ({ ...newFile, relativePath: `f${index}`, size: 0, inode: index }));
    let reads = 0;
    const listing = (count: number): ReusedListing =>
      new ReusedListing(() => 0, () => { reads++; return made(count)[Symbol.iterator](); }, 5);
    const small = listing(5);
    expect([...small.entries()]).toHaveLength(5);
    expect([...small.entries()]).toHaveLength(5);
    expect(reads).toBe(1);
    reads = 0;
    const big = listing(6);
    expect([...big.entries()]).toHaveLength(6);
    expect([...big.entries()]).toHaveLength(6);
    expect(reads).toBe(2);
  });

  it('hands out the same listing while nothing changes, and a fresh one after a write', async () => {
    const phone = open();
    const first = [...phone.entries()];
    const version = phone.version();
    const second = [...phone.entries()];
    expect(second).toHaveLength(first.length);
    expect(second.every((entry, index) => entry === first[index])).toBe(true);
    expect(phone.version()).toBe(version);

    await phone.writeFile(newFile, Buffer.from('hello'));
    expect(phone.version()).not.toBe(version);
    const third = [...phone.entries()];
    expect(third.map(keyOf)).toContain('HomeDomain/Library/SMS/added.txt');
    expect(third.length).toBeGreaterThan(first.length);
  });

  it('sees writes made while a reused listing is being walked, as the paged listing does', async () => {
    const phone = open();
    const before = [...phone.entries()].map(keyOf);
    const walked: string[] = [];
    let wrote = false;
    for (const entry of phone.entries()) {
      walked.push(keyOf(entry));
      if (!wrote && entry.domain === 'CameraRollDomain') {
        wrote = true;
        await phone.writeFile(newFile, Buffer.from('hello'));
      }
    }
    expect(walked).toEqual([...before, 'HomeDomain/Library/SMS/added.txt'].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)))));
  });

  it('notices a commit by another connection to the same phone', () => {
    const phone = open();
    const version = phone.version();
    const [dir] = dirs;
    const other = openPhone(dir as string, { seed: 3, profile: 'small' });
    other.removeEntry('HomeDomain', 'Library');
    other.close();
    expect(phone.version()).not.toBe(version);
    expect([...phone.entries()].some((entry) => entry.domain === 'HomeDomain' && entry.relativePath.startsWith('Library'))).toBe(false);
  });
});

describe('generated content cache', () => {
  const columns = (generator: string, key: string, size: number, params: Record<string, string | number> = {}): ContentColumns => ({
    size, content_kind: 'generated', generator, content_key: key, params: JSON.stringify(params), blob: null,
  });
  const chunked = (row: ContentColumns): Buffer => {
    const location = contentOfRow(row);
    if (location.kind !== 'generated') throw new Error('not generated');
    const source = generatedSource(location.content);
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < row.size; offset += 4096) pieces.push(source.readAt(offset, Math.min(4096, row.size - offset)));
    return Buffer.concat(pieces);
  };

  it('keeps the same bytes the generator makes window by window, once per file', () => {
    const cache = new GeneratedContentCache(1 << 20, 1 << 16);
    for (const row of [columns('random', 'k1', 10_000), columns('text', 'k2', 9_999)]) {
      const kept = cache.bytesOf(row);
      expect(kept?.equals(chunked(row))).toBe(true);
      expect(cache.bytesOf(row)).toBe(kept);
    }
  });

  it('tells files apart by every column the bytes depend on', () => {
    const cache = new GeneratedContentCache(1 << 20, 1 << 16);
    const a = cache.bytesOf(columns('random', 'k', 5000));
    const b = cache.bytesOf(columns('random', 'k2', 5000));
    const c = cache.bytesOf(columns('text', 'k', 5000));
    expect(a?.equals(b as Buffer)).toBe(false);
    expect(a?.equals(c as Buffer)).toBe(false);
    expect(cache.bytesOf(columns('random', 'k', 4000))?.length).toBe(4000);
  });

  it('keeps nothing past its budget or above its file size limit, and nothing that is not generated', () => {
    const cache = new GeneratedContentCache(10_000, 8_000);
    expect(cache.bytesOf(columns('random', 'big', 9_000))).toBeUndefined();
    expect(cache.bytesOf(columns('random', 'a', 6_000))).toBeDefined();
    expect(cache.bytesOf(columns('random', 'b', 6_000))).toBeUndefined();
    expect(cache.bytesOf(columns('random', 'c', 4_000))).toBeDefined();
    expect(cache.bytesOf({ size: 10, content_kind: 'blob', generator: null, content_key: null, params: null, blob: '1.bin' })).toBeUndefined();
  });
});
