import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeMbFile, filterManifestDb, mbFileKindAndSize, readManifestRows } from '../../src/main/backup/store';
import { PlistUid, encodeBinaryPlist } from '../../src/main/device/codec';
import { ManifestDbWriter } from '../../src/simulator/backup-format/manifest-db';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const mvtFixture = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'mvt-ios-backup');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Manifest.db reader and filter', () => {
  it('reads back every MBFile field the simulator writes', () => {
    const db = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(db);
    const key = Buffer.alloc(44, 7);
    writer.add({
      fileId: '3d0d7e5fb2ce288813306e4d4636395e047a3d28', domain: 'HomeDomain', relativePath: 'Library/SMS/sms.db', flags: 1,
      file: { relativePath: 'Library/SMS/sms.db', mode: 0o100644, inode: 1234, uid: 501, gid: 501, mtime: 1_700_000_000, ctime: 1_700_000_001, birth: 1_600_000_000, size: 4096, protectionClass: 3, encryptionKey: key },
    });
    writer.add({
      fileId: 'aaaa000000000000000000000000000000000000', domain: 'HomeDomain', relativePath: 'Library/link', flags: 4,
      file: { relativePath: 'Library/link', mode: 0o120755, inode: 5, uid: 0, gid: 0, mtime: 1, ctime: 2, birth: 3, size: 0, protectionClass: 0, linkTarget: '/var/x' },
    });
    writer.finish();
    const rows = [...readManifestRows(db)];
    expect(rows.map((row) => [row.domain, row.relativePath, row.flags])).toEqual([
      ['HomeDomain', 'Library/SMS/sms.db', 1],
      ['HomeDomain', 'Library/link', 4],
    ]);
    const file = decodeMbFile(rows[0]?.file as Buffer);
    expect(file).toMatchObject({ relativePath: 'Library/SMS/sms.db', mode: 0o100644, inode: 1234, userId: 501, groupId: 501, lastModified: 1_700_000_000, size: 4096, protectionClass: 3 });
    expect(file.encryptionKey?.equals(key)).toBe(true);
    expect(decodeMbFile(rows[1]?.file as Buffer).target).toBe('/var/x');
  });

  it('says clearly when a file is not a Manifest.db', () => {
    const bogus = path.join(dir, 'bogus.db');
    fs.writeFileSync(bogus, 'not sqlite at all, just text that is long enough to be a header....');
    expect(() => [...readManifestRows(bogus)]).toThrow(expect.objectContaining({ code: 'corrupt' }));
    expect(() => decodeMbFile(Buffer.from('garbage'))).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });

  it('sizes a record as decodeMbFile does, also in shapes the quick reader leaves to it', () => {
    const archive = (root: Record<string, unknown>, extra: unknown[] = [], rootUid = 1): Buffer =>
      encodeBinaryPlist({ $version: 100000, $archiver: 'NSKeyedArchiver', $top: { root: new PlistUid(rootUid) }, $objects: ['$null', root as never, ...(extra as never[])] });
    const records: Array<[Buffer, number]> = [
      [archive({ Size: 4096, Mode: 0o100644 }), 1],
      [archive({ Size: 4096, Mode: 0o100644 }), 0],
      [archive({ Size: 0, Mode: 0o040755 }), 0],
      [archive({ Mode: 0o120755 }), 0],
      [archive({ Size: 2 ** 40, Mode: 0o100644 }), 1],
      // Size behind a UID, the record behind two UIDs, a negative size: decodeMbFile reads those.
      [archive({ Size: new PlistUid(2), Mode: 0o100644 }, [77]), 1],
      [archive(new PlistUid(2) as never, [{ Size: 5, Mode: 0o100644 }]), 0],
      [archive({ Size: -1, Mode: 0o100644 }), 1],
    ];
    for (const [blob, flags] of records) {
      const { kind, size } = decodeMbFile(blob, flags);
      expect(mbFileKindAndSize(blob, flags)).toEqual({ kind, size });
    }
    expect(() => mbFileKindAndSize(Buffer.from('garbage'), 1)).toThrow(expect.objectContaining({ code: 'corrupt' }));
    expect(() => mbFileKindAndSize(archive({ Size: 1 }, [], 9), 1)).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });

  it.skipIf(!fs.existsSync(mvtFixture))('sizes every row of a real iOS 14 Manifest.db as decodeMbFile does', () => {
    for (const name of ['Manifest.db', 'Manifest.db-wal', 'Manifest.db-shm']) {
      if (fs.existsSync(path.join(mvtFixture, name))) fs.copyFileSync(path.join(mvtFixture, name), path.join(dir, name));
    }
    const rows = [...readManifestRows(path.join(dir, 'Manifest.db'))];
    expect(rows.length).toBe(3721);
    for (const row of rows) {
      for (const flags of [row.flags, 0]) {
        const { kind, size } = decodeMbFile(row.file, flags);
        expect(mbFileKindAndSize(row.file, flags)).toEqual({ kind, size });
      }
    }
  });

  it.skipIf(!fs.existsSync(mvtFixture))('reads a real iOS 14 Manifest.db and filters its Camera Roll rows out (mvt fixture, read from a copy)', () => {
    // The fixture has -wal/-shm files; SQLite may touch them even read-only, so work on a copy.
    for (const name of ['Manifest.db', 'Manifest.db-wal', 'Manifest.db-shm']) {
      if (fs.existsSync(path.join(mvtFixture, name))) fs.copyFileSync(path.join(mvtFixture, name), path.join(dir, name));
    }
    const source = path.join(dir, 'Manifest.db');
    const rows = [...readManifestRows(source)];
    expect(rows.length).toBe(3721);
    const camera = rows.filter((row) => row.domain === 'CameraRollDomain');
    expect(camera.length).toBe(290);
    for (const row of rows.slice(0, 200)) {
      const file = decodeMbFile(row.file);
      expect(file.relativePath).toBe(row.relativePath);
      if (row.flags === 1) expect(file.mode & 0o170000).toBe(0o100000);
    }
    const filtered = path.join(dir, 'filtered.db');
    expect(filterManifestDb(source, filtered, (row) => row.domain !== 'CameraRollDomain')).toEqual({ kept: 3721 - 290, removed: 290 });
    const kept = [...readManifestRows(filtered)];
    expect(kept.length).toBe(3721 - 290);
    expect(kept.some((row) => row.domain === 'CameraRollDomain')).toBe(false);
    const db = new Database(filtered, { readonly: true });
    try {
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Files'").all() as Array<{ name: string }>).map((row) => row.name);
      expect(indexes).toEqual(expect.arrayContaining(['FilesDomainIdx', 'FilesRelativePathIdx', 'FilesFlagsIdx']));
    } finally {
      db.close();
    }
  });
});
