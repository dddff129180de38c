import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, type BackupCatalog, type BackupRecord } from '../../src/main/backup/catalog';
import { encodePlist } from '../../src/main/device/codec';
import { fileIdOf, sampleFiles, writeTestBackup } from './backup-builder';

/**
 * The catalog over a generated Lifeboat-style backup root: `<root>/<UDID>` with its sidecar,
 * hard-linked snapshots under `.lifeboat/snapshots`, damaged and encrypted backups, and the
 * operations verify, delete and archive.
 */

const UDID = '00008110-001A2B3C4D5E6F70';
const OTHER_UDID = 'aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd';
const SNAPSHOT_DATE = new Date('2025-05-01T08:00:00Z');
const CURRENT_DATE = new Date('2025-06-01T10:00:00Z');

describe('catalog of a Lifeboat backup root', () => {
  let root: string;
  let catalog: BackupCatalog;
  const current = (): string => path.join(root, UDID);
  const snapshot = (): string => path.join(root, '.lifeboat', 'snapshots', UDID, '20250501-080000');
  const recordAt = (folder: string): BackupRecord => {
    const found = catalog.list().find((item) => item.path === fs.realpathSync(folder));
    if (!found) throw new Error(`${folder} is not in the catalog`);
    return found;
  };

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    // The older backup first, then the current one, whose unchanged content is hard-linked to it.
    await writeTestBackup(snapshot(), { udid: UDID, files: sampleFiles(1), date: SNAPSHOT_DATE, sidecar: { lifeboatVersion: '0.1.0', cameraRollExcluded: false, cameraRollBytesSkipped: 0, snapshotOf: UDID } });
    await writeTestBackup(current(), {
      udid: UDID,
      files: sampleFiles(1).filter((file) => file.domain !== 'CameraRollDomain' || !file.relativePath.startsWith('Media/DCIM/')),
      date: CURRENT_DATE,
      sidecar: { lifeboatVersion: '0.1.0', cameraRollExcluded: true, cameraRollBytesSkipped: 32_016 },
    });
    for (const file of sampleFiles(1)) {
      const id = fileIdOf(file.domain, file.relativePath);
      const target = path.join(current(), id.slice(0, 2), id);
      if (!fs.existsSync(target)) continue;
      fs.rmSync(target);
      fs.linkSync(path.join(snapshot(), id.slice(0, 2), id), target);
    }
    catalog = openCatalog(root);
    await catalog.refresh();
  });

  afterEach(() => {
    catalog.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('lists the current backup and its snapshot, newest first, with what the sidecar says', () => {
    const list = catalog.list();
    expect(list.map((item) => [item.location, item.createdAt])).toEqual([
      ['root', CURRENT_DATE.toISOString()],
      ['snapshot', SNAPSHOT_DATE.toISOString()],
    ]);
    expect(recordAt(current())).toMatchObject({
      udid: UDID,
      madeBy: 'lifeboat',
      deviceName: 'Test iPhone',
      productType: 'iPhone14,5',
      productVersion: '17.5',
      createdAtSource: 'Status.plist',
      fileCount: 4,
      photoCount: 0,
      includesCameraRoll: false,
      cameraRollBytesSkipped: 32_016,
      status: 'complete',
      problems: [],
      archived: false,
    });
    expect(recordAt(snapshot())).toMatchObject({ snapshotOf: UDID, fileCount: 6, photoCount: 2, includesCameraRoll: true, status: 'complete' });
    expect(recordAt(snapshot()).cameraRollBytesSkipped).toBeUndefined();
    expect(catalog.list({ location: 'snapshot' }).length).toBe(1);
    expect(catalog.list({ udid: 'someone-else' })).toEqual([]);
  });

  it('counts hard-linked files once: per backup, and across the device\'s snapshots', () => {
    const sizeOf = (folder: string): Map<string, number> => {
      const inodes = new Map<string, number>();
      const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(full);
          else {
            const stat = fs.statSync(full);
            inodes.set(`${stat.dev}:${stat.ino}`, stat.size);
          }
        }
      };
      walk(folder);
      return inodes;
    };
    const both = new Map([...sizeOf(current()), ...sizeOf(snapshot())]);
    const sum = (inodes: Map<string, number>): number => [...inodes.values()].reduce((total, size) => total + size, 0);
    const currentRecord = recordAt(current());
    const snapshotRecord = recordAt(snapshot());
    expect(currentRecord.sizeBytes).toBe(sum(sizeOf(current())));
    expect(snapshotRecord.sizeBytes).toBe(sum(sizeOf(snapshot())));
    expect(catalog.totalBytes({ udid: UDID })).toBe(sum(both));
    expect(catalog.totalBytes({ udid: UDID })).toBeLessThan(currentRecord.sizeBytes + snapshotRecord.sizeBytes);
    // Deleting the snapshot frees only what the current backup does not share: the two photos and its own plists.
    const photos = sampleFiles(1).filter((file) => file.relativePath.startsWith('Media/DCIM/')).reduce((total, file) => total + file.content.length, 0);
    const plists = ['Info.plist', 'Manifest.plist', 'Status.plist', 'Manifest.db', '.lifeboat.json'].reduce((total, name) => total + fs.statSync(path.join(snapshot(), name)).size, 0);
    expect(snapshotRecord.reclaimableBytes).toBe(photos + plists);
  });

  it('refreshes incrementally: unchanged folders are skipped, changed, new and vanished ones noticed', async () => {
    expect(await catalog.refresh()).toEqual({ added: 0, updated: 0, unchanged: 2, removed: 0 });
    fs.writeFileSync(path.join(current(), 'Status.plist'), encodePlist({ Version: '3.3', Date: new Date('2025-06-02T00:00:00Z'), SnapshotState: 'uploading', BackupState: 'new' }, 'binary'));
    await writeTestBackup(path.join(root, OTHER_UDID), { udid: OTHER_UDID, files: sampleFiles(2) });
    expect(await catalog.refresh()).toEqual({ added: 1, updated: 1, unchanged: 1, removed: 0 });
    expect(recordAt(current())).toMatchObject({ status: 'incomplete', createdAt: '2025-06-02T00:00:00.000Z' });
    expect(recordAt(current()).problems[0]?.message).toBe('The last backup run did not finish (Status.plist SnapshotState is "uploading").');
    expect(recordAt(path.join(root, OTHER_UDID))).toMatchObject({ madeBy: 'other', status: 'complete', fileCount: 6 });
    fs.rmSync(path.join(root, OTHER_UDID), { recursive: true });
    expect(await catalog.refresh()).toEqual({ added: 0, updated: 0, unchanged: 2, removed: 1 });
  });

  it('keeps ids stable across refreshes and new catalog sessions', async () => {
    const ids = catalog.list().map((item) => item.id).sort();
    catalog.close();
    catalog = openCatalog(root);
    expect(await catalog.refresh()).toMatchObject({ added: 0, unchanged: 2 });
    expect(catalog.list().map((item) => item.id).sort()).toEqual(ids);
    expect(catalog.get(ids[0] ?? '')?.id).toBe(ids[0]);
    expect(catalog.get('0000000000000000')).toBeUndefined();
  });

  it('verifies a good backup, then finds a deleted and a truncated content file', async () => {
    const { id } = recordAt(current());
    expect(await catalog.verify(id)).toMatchObject({ ok: true, checkedFiles: 4, missingCount: 0, wrongSizeCount: 0, problems: [] });
    const sms = fileIdOf('HomeDomain', 'Library/SMS/sms.db');
    const note = fileIdOf('AppDomain-com.example.notes', 'Documents/note.txt');
    fs.rmSync(path.join(current(), sms.slice(0, 2), sms));
    // Truncate a copy, not the inode the snapshot shares.
    const notePath = path.join(current(), note.slice(0, 2), note);
    const truncated = fs.readFileSync(notePath).subarray(0, 20);
    fs.rmSync(notePath);
    fs.writeFileSync(notePath, truncated);

    await catalog.refresh();
    expect(recordAt(current()).status).toBe('incomplete');
    expect(recordAt(current()).problems.map((problem) => problem.message)).toEqual(['1 of the 4 files the backup lists is missing (for example HomeDomain/Library/SMS/sms.db).']);

    const report = await catalog.verify(id);
    expect(report).toMatchObject({ ok: false, checkedFiles: 4, missingCount: 1, wrongSizeCount: 1 });
    expect(report.missing).toEqual([{ fileId: sms, domain: 'HomeDomain', relativePath: 'Library/SMS/sms.db', expectedBytes: 5000 }]);
    expect(report.wrongSize).toEqual([{ fileId: note, domain: 'AppDomain-com.example.notes', relativePath: 'Documents/note.txt', expectedBytes: 33, actualBytes: 20 }]);
    expect(report.problems).toContain('1 file has the wrong size (for example AppDomain-com.example.notes/Documents/note.txt: 20 bytes instead of 33).');
    expect(catalog.get(id)).toMatchObject({ status: 'damaged' });
    // The snapshot still holds its own links to both files.
    expect((await catalog.verify(recordAt(snapshot()).id)).ok).toBe(true);
  });

  it('marks garbage plists and a garbage Manifest.db as damaged, without failing the listing', async () => {
    const garbled = path.join(root, OTHER_UDID);
    await writeTestBackup(garbled, { udid: OTHER_UDID, files: sampleFiles(3) });
    fs.writeFileSync(path.join(garbled, 'Manifest.plist'), 'this is not a property list');
    const brokenDb = path.join(root, `${OTHER_UDID.slice(0, 39)}e`);
    await writeTestBackup(brokenDb, { udid: OTHER_UDID, files: sampleFiles(4) });
    fs.writeFileSync(path.join(brokenDb, 'Manifest.db'), Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(600, 7)]));
    const noStatus = path.join(root, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    await writeTestBackup(noStatus, { udid: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', files: sampleFiles(5), snapshotState: null });
    expect(await catalog.refresh()).toMatchObject({ added: 3 });

    const plistRecord = recordAt(garbled);
    expect(plistRecord.status).toBe('damaged');
    expect(plistRecord.problems[0]?.message).toMatch(/^Manifest\.plist cannot be read \(/);
    expect(plistRecord.fileCount).toBe(6);
    const dbRecord = recordAt(brokenDb);
    expect(dbRecord.status).toBe('damaged');
    expect(dbRecord.problems.map((problem) => problem.message).join('\n')).toMatch(/Manifest\.db cannot be read/);
    expect(dbRecord.fileCount).toBeUndefined();
    expect(dbRecord.countsUnknownReason).toMatch(/damaged/);
    expect(recordAt(noStatus)).toMatchObject({ status: 'incomplete', createdAtSource: 'Manifest.plist' });
    expect(recordAt(noStatus).problems.map((problem) => problem.message)).toEqual(['Status.plist is missing: the phone never finished writing this backup.']);
  });

  it('lists an encrypted backup without its password, then counts and verifies it with the password', async () => {
    const folder = path.join(root, OTHER_UDID);
    await writeTestBackup(folder, { udid: OTHER_UDID, files: sampleFiles(6), password: 'sesame' });
    await catalog.refresh();
    const locked = recordAt(folder);
    expect(locked).toMatchObject({ encrypted: true, status: 'complete', deviceName: 'Test iPhone' });
    expect(locked.fileCount).toBeUndefined();
    await expect(catalog.verify(locked.id)).rejects.toMatchObject({ code: 'password-required' });
    await expect(catalog.unlock(locked.id, 'wrong')).rejects.toMatchObject({ code: 'wrong-password' });
    expect(await catalog.unlock(locked.id, 'sesame')).toMatchObject({ fileCount: 6, photoCount: 2 });
    // The password is remembered for this session: verify needs it no more.
    const report = await catalog.verify(locked.id);
    expect(report).toMatchObject({ ok: true, checkedFiles: 6, missingCount: 0, wrongSizeCount: 0 });
    // An unpadded (plaintext-sized) content file is the wrong size for an encrypted backup.
    const sms = fileIdOf('HomeDomain', 'Library/SMS/sms.db');
    fs.writeFileSync(path.join(folder, sms.slice(0, 2), sms), Buffer.alloc(5000));
    expect(await catalog.verify(locked.id)).toMatchObject({ ok: false, wrongSizeCount: 1, wrongSize: [{ expectedBytes: 5008, actualBytes: 5000 }] });
  });

  it('deletes a snapshot without touching the current backup that shares its files', async () => {
    const snap = recordAt(snapshot());
    await catalog.delete(snap.id);
    expect(fs.existsSync(snapshot())).toBe(false);
    expect(catalog.get(snap.id)).toBeUndefined();
    expect((await catalog.verify(recordAt(current()).id)).ok).toBe(true);
    await expect(catalog.delete(snap.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('will not delete while a backup of that iPhone runs (the store\'s run lock names a live process)', async () => {
    const lock = path.join(root, '.lifeboat', 'locks', `${UDID}.lock`);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, String(process.pid));
    await expect(catalog.delete(recordAt(snapshot()).id)).rejects.toMatchObject({ code: 'busy' });
    expect(fs.existsSync(snapshot())).toBe(true);
    fs.rmSync(lock);
    await catalog.delete(recordAt(snapshot()).id);
    expect(fs.existsSync(snapshot())).toBe(false);
  });

  it('deletes a device backup with its snapshots, never following a link out of the root', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    try {
      fs.writeFileSync(path.join(outside, 'precious.txt'), 'keep me');
      fs.symlinkSync(outside, path.join(current(), 'ff'));
      fs.symlinkSync(path.join(outside, 'precious.txt'), path.join(current(), 'link-to-file'));
      await catalog.delete(recordAt(current()).id, { includeSnapshots: true });
      expect(fs.existsSync(current())).toBe(false);
      expect(fs.existsSync(snapshot())).toBe(false);
      expect(fs.readFileSync(path.join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
      expect(catalog.list()).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('ignores a root entry that is a link to a backup elsewhere', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    try {
      await writeTestBackup(path.join(elsewhere, OTHER_UDID), { udid: OTHER_UDID, files: sampleFiles(7) });
      fs.symlinkSync(path.join(elsewhere, OTHER_UDID), path.join(root, OTHER_UDID));
      expect(await catalog.refresh()).toEqual({ added: 0, updated: 0, unchanged: 2, removed: 0 });
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('archives a backup as <UDID>-yyyyMMdd-HHmmss: plists copied, content hard-linked, marked archived', async () => {
    const source = recordAt(current());
    const archived = await catalog.archive(source.id);
    const folder = path.join(root, `${UDID}-20250601-100000`);
    expect(archived).toMatchObject({ path: fs.realpathSync(folder), location: 'root', archived: true, udid: UDID, fileCount: 4, status: 'complete', madeBy: 'lifeboat' });
    expect(archived.id).not.toBe(source.id);
    const sms = fileIdOf('HomeDomain', 'Library/SMS/sms.db');
    const inode = (file: string): number => fs.statSync(file).ino;
    expect(inode(path.join(folder, sms.slice(0, 2), sms))).toBe(inode(path.join(current(), sms.slice(0, 2), sms)));
    expect(inode(path.join(folder, 'Manifest.db'))).not.toBe(inode(path.join(current(), 'Manifest.db')));
    const sidecar = JSON.parse(fs.readFileSync(path.join(folder, '.lifeboat.json'), 'utf8')) as Record<string, unknown>;
    expect(sidecar).toMatchObject({ cameraRollExcluded: true, archivedFrom: source.path });
    // A later backup rewriting the current folder's plists leaves the archive as it was.
    fs.writeFileSync(path.join(current(), 'Status.plist'), encodePlist({ Version: '3.3', Date: new Date(), SnapshotState: 'finished' }, 'binary'));
    await catalog.refresh();
    expect(catalog.get(archived.id)?.createdAt).toBe(CURRENT_DATE.toISOString());
    await expect(catalog.archive(archived.id)).rejects.toMatchObject({ code: 'unsupported' });
    expect(fs.readdirSync(path.join(root, '.lifeboat')).filter((name) => name.startsWith('archiving-'))).toEqual([]);
    expect(catalog.list({ archived: true }).map((item) => item.id)).toEqual([archived.id]);
  });
});
