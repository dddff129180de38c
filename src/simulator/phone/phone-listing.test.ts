import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
const newFile = { domain: 'HomeDomain', relativePath: 'Library/Notes/added.txt', kind: 'file', mode: 0o100644, uid: 501, gid: 501, mtime: 1, ctime: 1, birth: 1, protectionClass: 3 } as const;

afterEach(() => {
  for (const phone of phones.splice(0)) phone.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('phone listing reuse', () => {
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
    expect(third.map(keyOf)).toContain('HomeDomain/Library/Notes/added.txt');
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
    expect(walked).toEqual([...before, 'HomeDomain/Library/Notes/added.txt'].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)))));
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
