import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { type BackupBrowser, extractFromBackup, openBackupBrowser, parseBackupPath } from '../../src/main/browser';
import { encryptedFixture, haveFixtures, missingFixturesNote, mvtFixture, treeFingerprint } from '../backup/fixture-paths';

if (!haveFixtures) console.warn(missingFixturesNote);

/** The real backups in ../shared/fixtures, read in place (never modified). */
describe.skipIf(!haveFixtures)('backup browser on the shared fixtures', () => {
  let work: string;
  const before = new Map<string, string>();
  const namesBefore = new Map<string, string[]>();

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    for (const fixture of [encryptedFixture, mvtFixture]) {
      before.set(fixture, treeFingerprint(fixture));
      namesBefore.set(fixture, fs.readdirSync(fixture).sort());
    }
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    // Reading must never write beside a backup (no -shm/-wal, no decrypted Manifest.db).
    for (const [fixture, fingerprint] of before) expect(treeFingerprint(fixture)).toBe(fingerprint);
    for (const [fixture, names] of namesBefore) expect(fs.readdirSync(fixture).sort()).toEqual(names);
  });

  describe('the encrypted pyiosbackup backup (password 0000)', () => {
    let browser: BackupBrowser;

    beforeAll(async () => {
      browser = await openBackupBrowser(encryptedFixture, { password: '0000' });
    }, 60_000);

    afterAll(() => browser?.close());

    it('opens with its password and lists MyTestDomain / Media/Test.txt', () => {
      expect(browser.summary).toMatchObject({ encrypted: true, format: 'manifest-db', entries: 1, productVersion: '10.3' });
      expect(browser.domains()).toEqual([{ domain: 'MyTestDomain', entries: 1, files: 1, bytes: 9 }]);
      expect(browser.list('MyTestDomain', '').map((entry) => [entry.relativePath, entry.kind])).toEqual([['Media', 'directory']]);
      expect(browser.list('MyTestDomain', 'Media').map((entry) => entry.relativePath)).toEqual(['Media/Test.txt']);
      expect(browser.search('test.TXT').map((entry) => entry.fileId)).toEqual(['5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc']);
      expect(browser.search('nothing-like-this')).toEqual([]);
    });

    it('extracts Test data with the file\'s modification time', async () => {
      const result = await extractFromBackup(browser, parseBackupPath('MyTestDomain/Media/Test.txt'), path.join(work, 'encrypted'));
      expect(result).toMatchObject({ files: 1, bytes: 9, missing: [] });
      const out = path.join(work, 'encrypted', 'Test.txt');
      expect(fs.readFileSync(out, 'utf8')).toBe('Test data');
      expect(Math.floor(fs.statSync(out).mtimeMs / 1000)).toBe(1628082463);
    });

    it('refuses a wrong password and a missing one, with sentences', async () => {
      const wrong = await openBackupBrowser(encryptedFixture, { password: '1234' }).catch((error: unknown) => error);
      expect(isBackupError(wrong, 'wrong-password')).toBe(true);
      expect((wrong as Error).message).toMatch(/password is not correct/);
      const none = await openBackupBrowser(encryptedFixture).catch((error: unknown) => error);
      expect(isBackupError(none, 'password-required')).toBe(true);
    }, 60_000);
  });

  describe('the partial mvt backup', () => {
    let browser: BackupBrowser;

    beforeAll(async () => {
      browser = await openBackupBrowser(mvtFixture);
    });

    afterAll(() => browser?.close());

    it('opens, lists every row and says which metadata is missing', () => {
      expect(browser.summary).toMatchObject({ encrypted: false, entries: 3721 });
      expect(browser.summary.notes.join(' ')).toMatch(/Manifest\.plist is missing/);
      expect(browser.summary.notes.join(' ')).toMatch(/Status\.plist is missing/);
      const domains = new Map(browser.domainCounts().map((domain) => [domain.domain, domain.entries]));
      expect(domains.get('HomeDomain')).toBe(571);
      expect(domains.get('CameraRollDomain')).toBe(290);
      expect(browser.apps().some((app) => app.bundleId === 'com.google.chrome.ios')).toBe(true);
    });

    it('reports the files that are not in the folder', () => {
      const report = browser.missingFiles();
      const present = fs.readdirSync(mvtFixture).filter((name) => /^[0-9a-f]{2}$/.test(name)).flatMap((dir) => fs.readdirSync(path.join(mvtFixture, dir)));
      // One content file in the fixture belongs to no row; only listed files count as present.
      const listedFiles = new Set(browser.search('', { limit: 100_000 }).filter((entry) => entry.kind === 'file').map((entry) => entry.fileId));
      const presentListed = present.filter((id) => listedFiles.has(id));
      expect(presentListed.length).toBe(10);
      expect(report.checked).toBe(listedFiles.size);
      expect(report.count).toBe(report.checked - presentListed.length);
      expect(report.count).toBeGreaterThan(0);
    });

    it('extracts what is present and names what is missing', async () => {
      const presentId = fs.readdirSync(path.join(mvtFixture, '3d'))[0] as string;
      const [entry] = [...browser.under('HomeDomain', '')].filter((candidate) => candidate.fileId === presentId);
      if (!entry) throw new Error(`fixture file ${presentId} is not in HomeDomain`);
      const result = await extractFromBackup(browser, { domain: entry.domain, relativePath: entry.relativePath }, path.join(work, 'mvt-one'));
      expect(result.files).toBe(1);
      expect(fs.readFileSync(result.destination).equals(fs.readFileSync(path.join(mvtFixture, '3d', presentId)))).toBe(true);

      const folder = await extractFromBackup(browser, { domain: 'HomeDomain', relativePath: 'Library/Preferences' }, path.join(work, 'mvt-prefs'));
      expect(folder.missing.length).toBeGreaterThan(0);
      expect(folder.missing.every((shown) => shown.startsWith('HomeDomain/Library/Preferences/'))).toBe(true);
      const missingEntry = browser.entry('HomeDomain', (folder.missing[0] as string).slice('HomeDomain/'.length));
      expect(() => browser.openFile(missingEntry as NonNullable<typeof missingEntry>)).toThrow(/content file .* is not in the folder/);
    });
  });
});
