import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type BackupCatalog, type BackupRecord } from '../../src/main/backup/catalog';
import { encryptedFixture, fixturesDir, haveFixtures, missingFixturesNote, mvtFixture, treeFingerprint } from './fixture-paths';

/**
 * The catalog over the two backups made outside this project, added as an extra folder and read
 * in place: the partial mvt backup lists as incomplete (not a crash, not healthy), the encrypted
 * pyiosbackup one lists without its password and counts its files with it.
 */
if (!haveFixtures) console.warn(missingFixturesNote);

/** Counts straight from SQL on a private copy, independent of the catalog's MBFile decoding. */
function sqlCounts(folder: string): { files: number; photos: number } {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  try {
    const copy = path.join(scratch, 'Manifest.db');
    fs.copyFileSync(path.join(folder, 'Manifest.db'), copy);
    const db = new Database(copy);
    const files = (db.prepare('SELECT count(*) AS n FROM Files WHERE flags = 1').get() as { n: number }).n;
    // Captures: the mvt fixture (a real iOS 14.3 backup) holds a Live Photo, IMG_0011.HEIC with IMG_0011.MOV, which is one photo.
    const roll = new Set((db.prepare("SELECT relativePath FROM Files WHERE flags = 1 AND domain = 'CameraRollDomain' AND relativePath LIKE 'Media/DCIM/%'").all() as { relativePath: string }[]).map((row) => row.relativePath));
    const photos = [...roll].filter((file) => !/\.AAE$|\/IMG_E\d+\.|\/\./.test(file) && !(/\.MOV$/.test(file) && roll.has(file.replace(/MOV$/, 'HEIC')))).length;
    db.close();
    return { files, photos };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

describe.skipIf(!haveFixtures)('catalog of the shared fixtures', () => {
  let root: string;
  let catalog: BackupCatalog;
  let before: { mvt: string; encrypted: string };
  const byPath = (folder: string): BackupRecord => {
    const found = catalog.list().find((item) => item.path === fs.realpathSync(folder));
    if (!found) throw new Error(`${folder} is not in the catalog`);
    return found;
  };

  beforeAll(async () => {
    before = { mvt: treeFingerprint(mvtFixture), encrypted: treeFingerprint(encryptedFixture) };
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    catalog = openCatalog(root, { extraFolders: [fixturesDir] });
    expect(await catalog.refresh()).toEqual({ added: 2, updated: 0, unchanged: 0, removed: 0 });
  });

  afterAll(() => {
    catalog?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (haveFixtures) {
      expect(treeFingerprint(mvtFixture)).toBe(before.mvt);
      expect(treeFingerprint(encryptedFixture)).toBe(before.encrypted);
    }
  });

  it('keeps its own database at <root>/.lifeboat/catalog.db, readable by the owner only', () => {
    const stat = fs.statSync(path.join(root, '.lifeboat', 'catalog.db'));
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it('lists the partial mvt backup as incomplete, with its device and the reasons', () => {
    const record = byPath(mvtFixture);
    const expected = sqlCounts(mvtFixture);
    expect(record).toMatchObject({
      location: 'extra',
      madeBy: 'other',
      udid: '1cb128eafa77c5be74283e9a3a2130af36a3c059',
      deviceName: 'iPhone',
      productType: 'iPhone9,3',
      productVersion: '14.3',
      buildVersion: '18C66',
      createdAt: '2021-12-03T19:33:13.000Z',
      createdAtSource: 'Info.plist',
      encrypted: false,
      format: 'manifest-db',
      fileCount: expected.files,
      photoCount: expected.photos,
      includesCameraRoll: true,
      archived: false,
      status: 'incomplete',
    });
    expect(expected.photos).toBeGreaterThan(0);
    const messages = record.problems.map((problem) => problem.message).join('\n');
    expect(messages).toMatch(/Manifest\.plist is missing/);
    expect(messages).toMatch(/Status\.plist is missing/);
    expect(messages).toMatch(new RegExp(`of the ${expected.files} files the backup lists are missing`));
    expect(record.sizeBytes).toBeGreaterThan(fs.statSync(path.join(mvtFixture, 'Manifest.db')).size);
  });

  it('lists the encrypted backup without a password, saying why its counts are unknown', () => {
    const record = byPath(encryptedFixture);
    expect(record).toMatchObject({ encrypted: true, productVersion: '10.3', format: 'manifest-db' });
    expect(record.fileCount).toBeUndefined();
    expect(record.photoCount).toBeUndefined();
    expect(record.countsUnknownReason).toMatch(/encrypted.*password/);
    // Its Status.plist is an empty dictionary: not a finished snapshot (§5.5).
    expect(record.status).toBe('incomplete');
    expect(record.problems.map((problem) => problem.message)).toEqual(['The last backup run did not finish (Status.plist SnapshotState is not set).']);
  });

  it('refuses a wrong password and counts the files with the right one', async () => {
    const { id } = byPath(encryptedFixture);
    await expect(catalog.unlock(id, 'nope')).rejects.toMatchObject({ code: 'wrong-password', message: 'The backup password is not correct.' });
    const unlocked = await catalog.unlock(id, '0000');
    expect(unlocked).toMatchObject({ fileCount: 1, photoCount: 0, encrypted: true });
    expect(unlocked.countsUnknownReason).toBeUndefined();
    expect(catalog.get(id)?.fileCount).toBe(1);
  });

  it('verifies the encrypted backup with its password: the file is there with its padded size (§6.5)', async () => {
    const { id } = byPath(encryptedFixture);
    const report = await catalog.verify(id, { password: '0000' });
    expect(report).toMatchObject({ backupId: id, checkedFiles: 1, missingCount: 0, wrongSizeCount: 0 });
    // Still not ok: its Status.plist never says the snapshot finished.
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(['The last backup run did not finish (Status.plist SnapshotState is not set).']);
  });

  it('verifies the mvt backup: the missing files and the ones whose size differs from the manifest', async () => {
    const { id } = byPath(mvtFixture);
    const report = await catalog.verify(id);
    const expected = sqlCounts(mvtFixture);
    expect(report.ok).toBe(false);
    expect(report.checkedFiles).toBe(expected.files);
    // 11 content files are on disk, so at most 11 listed files are not missing.
    expect(report.missingCount).toBeGreaterThanOrEqual(expected.files - 11);
    expect(report.missing.length).toBe(Math.min(report.missingCount, 200));
    for (const problem of report.wrongSize) {
      expect(fs.statSync(path.join(mvtFixture, problem.fileId.slice(0, 2), problem.fileId)).size).toBe(problem.actualBytes);
      expect(problem.actualBytes).not.toBe(problem.expectedBytes);
    }
    expect(catalog.get(id)?.verifiedAt).toBeDefined();
  });

  it('will not delete a backup from an added folder', async () => {
    const { id } = byPath(mvtFixture);
    await expect(catalog.delete(id)).rejects.toMatchObject({ code: 'unsupported' });
    expect(fs.existsSync(path.join(mvtFixture, 'Manifest.db'))).toBe(true);
  });

  it('archives a backup from an added folder into the root by copying, never linking its files', async () => {
    const source = byPath(mvtFixture);
    const archived = await catalog.archive(source.id);
    expect(archived).toMatchObject({ location: 'root', archived: true, udid: source.udid, fileCount: source.fileCount, createdAt: source.createdAt });
    expect(path.basename(archived.path)).toBe(`${source.udid}-20211203-193313`);
    const contentFile = path.join('3d', '3d0d7e5fb2ce288813306e4d4636395e047a3d28');
    expect(fs.statSync(path.join(archived.path, contentFile)).ino).not.toBe(fs.statSync(path.join(mvtFixture, contentFile)).ino);
    expect(fs.statSync(path.join(mvtFixture, contentFile)).nlink).toBe(1);
    await catalog.delete(archived.id);
    expect(fs.existsSync(archived.path)).toBe(false);
  });

  it('skips unchanged folders on the next refresh', async () => {
    expect(await catalog.refresh()).toEqual({ added: 0, updated: 0, unchanged: 2, removed: 0 });
  });
});
