import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupBrowser, openBackupBrowser } from '../../src/main/browser';
import { ManifestDbWriter } from '../../src/simulator/backup-format/manifest-db';

const fileIdOf = (domain: string, relativePath: string): string => crypto.createHash('sha1').update(`${domain}-${relativePath}`).digest('hex');
const DOMAIN = 'AppDomain-net.whatsapp.WhatsApp';
const CACHE = 'Library/Caches/fsCachedData';
const CACHED_FILES = 2_500;

/**
 * A backup whose file list has one big flat folder (an HTTP cache, as on a real phone), a folder
 * that only deeper paths imply (no row of its own), and a second domain. Only Manifest.db is
 * written: listing and searching never read content files.
 */
function writeBackup(folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const writer = new ManifestDbWriter(path.join(folder, 'Manifest.db'));
  let inode = 1;
  const add = (domain: string, relativePath: string, kind: 'file' | 'directory'): void => {
    writer.add({
      fileId: fileIdOf(domain, relativePath), domain, relativePath, flags: kind === 'file' ? 1 : 2,
      file: { relativePath, mode: kind === 'file' ? 0o100644 : 0o40755, inode: inode++, uid: 501, gid: 501, mtime: 1_700_000_000, ctime: 1_700_000_000, birth: 1_700_000_000, size: kind === 'file' ? 10 : 0, protectionClass: 3 },
    });
  };
  for (const directory of ['', 'Library', 'Library/Caches', CACHE]) add(DOMAIN, directory, 'directory');
  for (let index = CACHED_FILES - 1; index >= 0; index--) add(DOMAIN, `${CACHE}/item-${String(index).padStart(5, '0')}`, 'file');
  // "Documents" has no row: only its files say it exists.
  for (const name of ['a.txt', 'b.txt']) add(DOMAIN, `Documents/${name}`, 'file');
  add(DOMAIN, 'top.plist', 'file');
  add('HomeDomain', 'Library/SMS/sms.db', 'file');
  writer.finish();
}

describe('browsing a backup a page at a time', () => {
  let work: string;
  let browser: BackupBrowser;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-paging-'));
    writeBackup(path.join(work, 'backup'));
    browser = await openBackupBrowser(path.join(work, 'backup'));
  });
  afterAll(() => {
    browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('pages through a big folder in name order, each page with the folder\'s total', () => {
    const names: string[] = [];
    for (let offset = 0; offset < CACHED_FILES; offset += 700) {
      const page = browser.listPage(DOMAIN, CACHE, { offset, limit: 700 });
      expect(page.total).toBe(CACHED_FILES);
      expect(page.entries.length).toBe(Math.min(700, CACHED_FILES - offset));
      names.push(...page.entries.map((entry) => entry.relativePath));
    }
    expect(names).toHaveLength(CACHED_FILES);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe(`${CACHE}/item-00000`);
    expect(browser.listPage(DOMAIN, CACHE, { offset: CACHED_FILES, limit: 10 })).toEqual({ entries: [], total: CACHED_FILES });
    expect(browser.list(DOMAIN, CACHE).map((entry) => entry.relativePath)).toEqual(names);
  });

  it('lists only what is directly inside, with folders implied by deeper paths, at a domain\'s top too', () => {
    const top = browser.listPage(DOMAIN, '', { offset: 0, limit: 10 });
    expect(top.total).toBe(3);
    expect(top.entries.map((entry) => [entry.relativePath, entry.kind])).toEqual([['Documents', 'directory'], ['Library', 'directory'], ['top.plist', 'file']]);
    expect(top.entries[0]?.fileId).toBe('');
    expect(browser.listPage(DOMAIN, '', { offset: 1, limit: 1 }).entries.map((entry) => entry.relativePath)).toEqual(['Library']);
    expect(browser.listPage(DOMAIN, 'Library', { offset: 0, limit: 10 }).entries.map((entry) => entry.relativePath)).toEqual(['Library/Caches']);
    expect(browser.listPage(DOMAIN, 'Documents', { offset: 0, limit: 10 }).total).toBe(2);
    // The same folder name in another domain is another folder.
    expect(browser.listPage('HomeDomain', 'Library', { offset: 0, limit: 10 }).entries.map((entry) => entry.relativePath)).toEqual(['Library/SMS']);
  });

  it('answers a search with its first hits and whether there are more, never more than the limit', () => {
    const broad = browser.searchPage('item-', { limit: 100 });
    expect(broad.entries).toHaveLength(100);
    expect(broad.more).toBe(true);
    const paths = broad.entries.map((entry) => entry.relativePath);
    expect(paths).toEqual([...paths].sort());
    const exact = browser.searchPage('.txt', { limit: 2 });
    expect(exact).toMatchObject({ more: false });
    expect(exact.entries.map((entry) => entry.relativePath)).toEqual(['Documents/a.txt', 'Documents/b.txt']);
    expect(browser.searchPage('sms.db', { limit: 1 })).toMatchObject({ more: false, entries: [expect.objectContaining({ domain: 'HomeDomain' })] });
    expect(browser.searchPage('nothing like this', { limit: 5 })).toEqual({ entries: [], more: false });
  });
});
