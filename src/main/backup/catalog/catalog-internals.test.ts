import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePlist, PlistUid } from '../../device/codec';
import { discoverBackups } from './backup-discovery';
import { inspectBackup } from './backup-inspection';
import { catalogRows, openManifestDb } from './manifest-source';
import { mbdbRows } from './manifest-mbdb';
import { decodeMbFile, manifestEntryKind } from '../store';

function archive(objects: unknown[]): Buffer {
  return encodePlist({ $version: 100000, $archiver: 'NSKeyedArchiver', $top: { root: new PlistUid(1) }, $objects: objects as never }, 'binary');
}

function listOf(folder: string): string[] {
  return fs.readdirSync(folder).sort();
}

describe('MBFile fields (protocol.md §5.6)', () => {
  it('follows EncryptionKey → {NS.data: UID} → bytes, and reads Size and Mode', () => {
    const key = crypto.randomBytes(44);
    const blob = archive(['$null', { Size: 9, Mode: 0o100755, EncryptionKey: new PlistUid(2), $class: new PlistUid(5) }, { 'NS.data': new PlistUid(3), $class: new PlistUid(4) }, key, { $classname: 'NSMutableData' }, { $classname: 'MBFile' }]);
    const fields = decodeMbFile(blob);
    expect(fields.size).toBe(9);
    expect(fields.mode).toBe(0o100755);
    expect(fields.encryptionKey?.equals(key)).toBe(true);
  });

  it('refuses a blob that is not an archived MBFile with a sentence', () => {
    expect(() => decodeMbFile(Buffer.from('nonsense'))).toThrow(/unreadable file record/);
    expect(() => decodeMbFile(encodePlist({ hello: 'world' }, 'binary'))).toThrow(/not an archived MBFile/);
  });

  it('says a record has no modification date rather than dating it 1970, and reads one that has', () => {
    const plain = (fields: Record<string, unknown>): Buffer => archive(['$null', { Size: 1, Mode: 0o100644, ...fields, $class: new PlistUid(2) }, { $classname: 'MBFile' }]);
    expect(decodeMbFile(plain({})).lastModified).toBeUndefined();
    expect(decodeMbFile(plain({ LastModified: 1_700_000_000 })).lastModified).toBe(1_700_000_000);
  });

  it('falls back to the Mode type bits when flags is 0', () => {
    expect([manifestEntryKind(1, 0), manifestEntryKind(2, 0), manifestEntryKind(4, 0)]).toEqual(['file', 'directory', 'symlink']);
    expect([manifestEntryKind(0, 0o100644), manifestEntryKind(0, 0o40755), manifestEntryKind(0, 0o120777), manifestEntryKind(0, 0)]).toEqual(['file', 'directory', 'symlink', 'other']);
  });
});

describe('Manifest.mbdb (§5.7)', () => {
  const text = (value: string | null): Buffer => {
    if (value === null) return Buffer.from([0xff, 0xff]);
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const record = (domain: string, relativePath: string, mode: number, size: number, properties: Array<[string, string]> = []): Buffer => {
    // mode u16, inode u64, uid u32, gid u32, three u32 times, size u64, class u8, property count u8.
    const fixed = Buffer.alloc(2 + 8 + 4 + 4 + 12 + 8 + 1 + 1);
    fixed.writeUInt16BE(mode, 0);
    fixed.writeBigUInt64BE(BigInt(size), 30);
    fixed.writeUInt8(3, 38);
    fixed.writeUInt8(properties.length, 39);
    return Buffer.concat([text(domain), text(relativePath), text(null), text(null), text(null), fixed, ...properties.flatMap(([name, value]) => [text(name), text(value)])]);
  };

  it('reads records, computes fileIDs and ignores properties', () => {
    const bytes = Buffer.concat([
      Buffer.from('mbdb\x05\x00', 'latin1'),
      record('HomeDomain', 'Library/SMS', 0o40755, 0),
      record('HomeDomain', 'Library/SMS/sms.db', 0o100644, 12345, [['com.apple.x', 'y']]),
    ]);
    const rows = [...mbdbRows(bytes)];
    expect(rows.map((row) => [row.domain, row.relativePath, row.kind, row.size])).toEqual([
      ['HomeDomain', 'Library/SMS', 'directory', 0],
      ['HomeDomain', 'Library/SMS/sms.db', 'file', 12345],
    ]);
    expect(rows[1]?.fileId).toBe('3d0d7e5fb2ce288813306e4d4636395e047a3d28');
  });

  it('says a cut-short index is damaged', () => {
    const bytes = Buffer.concat([Buffer.from('mbdb\x05\x00', 'latin1'), record('HomeDomain', 'a', 0o100644, 1).subarray(0, 20)]);
    expect(() => [...mbdbRows(bytes)]).toThrow(/ends in the middle of a record/);
    expect(() => [...mbdbRows(Buffer.from('nope'))]).toThrow(/mbdb header/);
  });
});

describe('reading Manifest.db without writing beside it', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const makeDb = (rows: number, keepWal: boolean): void => {
    const db = new Database(path.join(dir, 'Manifest.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)');
    if (keepWal) db.pragma('wal_autocheckpoint = 0');
    const insert = db.prepare('INSERT INTO Files VALUES (?, ?, ?, 1, ?)');
    for (let index = 0; index < rows; index += 1) insert.run(`id${index}`, 'HomeDomain', `f${index}`, archive(['$null', { Size: index, Mode: 0o100644 }]));
    if (keepWal) {
      // Leave committed rows in the WAL, as an app killed before its checkpoint would: copy the files while open.
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
      fs.copyFileSync(path.join(dir, 'Manifest.db'), path.join(copy, 'Manifest.db'));
      fs.copyFileSync(path.join(dir, 'Manifest.db-wal'), path.join(copy, 'Manifest.db-wal'));
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(copy, dir);
      return;
    }
    db.close();
  };

  it('opens a WAL-mode database from memory and creates no -shm/-wal files', () => {
    makeDb(3, false);
    expect(listOf(dir)).toEqual(['Manifest.db']);
    const opened = openManifestDb(dir);
    if (opened.kind !== 'open') throw new Error('expected an open database');
    expect([...catalogRows(opened.db)].map((row) => row.size)).toEqual([0, 1, 2]);
    opened.db.close();
    expect(listOf(dir)).toEqual(['Manifest.db']);
  });

  it('skips MBFile decoding for listings when flags say what a row is, and decodes when flags are 0', () => {
    const db = new Database(path.join(dir, 'Manifest.db'));
    db.exec('CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)');
    db.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)').run('a', 'HomeDomain', 'damaged-record', 1, Buffer.from('not a plist'));
    db.close();
    const opened = openManifestDb(dir);
    if (opened.kind !== 'open') throw new Error('expected an open database');
    expect([...catalogRows(opened.db, { sizes: false })].map((row) => [row.kind, row.size])).toEqual([['file', 0]]);
    expect(() => [...catalogRows(opened.db)]).toThrow(/unreadable file record/);
    opened.db.close();
    const again = new Database(path.join(dir, 'Manifest.db'));
    again.prepare('UPDATE Files SET flags = 0, file = ?').run(archive(['$null', { Size: 4, Mode: 0o40755 }]));
    again.close();
    const reopened = openManifestDb(dir);
    if (reopened.kind !== 'open') throw new Error('expected an open database');
    expect([...catalogRows(reopened.db, { sizes: false })].map((row) => row.kind)).toEqual(['directory']);
    reopened.db.close();
  });

  it('folds committed rows still in a WAL file in, on a private copy', () => {
    makeDb(5, true);
    expect(fs.statSync(path.join(dir, 'Manifest.db-wal')).size).toBeGreaterThan(0);
    const before = listOf(dir).map((name) => [name, fs.statSync(path.join(dir, name)).mtimeMs]);
    const opened = openManifestDb(dir);
    if (opened.kind !== 'open') throw new Error('expected an open database');
    expect([...catalogRows(opened.db)].length).toBe(5);
    opened.db.close();
    expect(listOf(dir).map((name) => [name, fs.statSync(path.join(dir, name)).mtimeMs])).toEqual(before);
  });
});

describe('discovery and inspection edge cases', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds backups in the root, in snapshots and in added folders; skips dot-folders and plain folders', () => {
    const root = path.join(dir, 'root');
    const mark = (folder: string): void => {
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, 'Info.plist'), encodePlist({}, 'xml'));
    };
    mark(path.join(root, 'UDID1'));
    mark(path.join(root, '.lifeboat', 'staging', 'UDID1-run'));
    mark(path.join(root, '.lifeboat', 'snapshots', 'UDID1', '20250101-000000'));
    fs.mkdirSync(path.join(root, 'not-a-backup'));
    mark(path.join(dir, 'itunes', 'UDID2'));
    mark(path.join(dir, 'single'));
    const found = discoverBackups(root, [path.join(dir, 'itunes'), path.join(dir, 'single'), path.join(dir, 'absent'), root]);
    const real = (folder: string): string => fs.realpathSync(folder);
    expect(found).toEqual([
      { path: real(path.join(root, 'UDID1')), location: 'root' },
      { path: real(path.join(root, '.lifeboat', 'snapshots', 'UDID1', '20250101-000000')), location: 'snapshot', snapshotOf: 'UDID1' },
      { path: real(path.join(dir, 'itunes', 'UDID2')), location: 'extra' },
      { path: real(path.join(dir, 'single')), location: 'extra' },
    ]);
  });

  it('inspects an iOS 5–9 style backup: Manifest.mbdb with flat content files', async () => {
    const folder = path.join(dir, 'legacy');
    fs.mkdirSync(folder);
    const content = Buffer.from('old sms');
    const mode = Buffer.alloc(2 + 8 + 4 + 4 + 12 + 8 + 1 + 1);
    mode.writeUInt16BE(0o100644, 0);
    mode.writeBigUInt64BE(BigInt(content.length), 30);
    const str = (value: string): Buffer => Buffer.concat([Buffer.from([0, value.length]), Buffer.from(value)]);
    const nil = Buffer.from([0xff, 0xff]);
    fs.writeFileSync(path.join(folder, 'Manifest.mbdb'), Buffer.concat([Buffer.from('mbdb\x05\x00', 'latin1'), str('HomeDomain'), str('Library/SMS/sms.db'), nil, nil, nil, mode]));
    fs.writeFileSync(path.join(folder, '3d0d7e5fb2ce288813306e4d4636395e047a3d28'), content);
    const date = new Date('2015-03-01T00:00:00Z');
    fs.writeFileSync(path.join(folder, 'Manifest.plist'), encodePlist({ IsEncrypted: false, Lockdown: { UniqueDeviceID: 'legacy-udid', ProductVersion: '8.4' } }, 'binary'));
    fs.writeFileSync(path.join(folder, 'Status.plist'), encodePlist({ SnapshotState: 'finished', Date: date }, 'binary'));
    fs.writeFileSync(path.join(folder, 'Info.plist'), encodePlist({ 'Device Name': 'Old phone' }, 'xml'));
    const { inspection, fileCheck } = await inspectBackup(folder, { checkSizes: true });
    expect(inspection).toMatchObject({ format: 'manifest-mbdb', fileCount: 1, udid: 'legacy-udid', productVersion: '8.4', deviceName: 'Old phone', status: 'complete', createdAt: date.toISOString() });
    expect(fileCheck).toMatchObject({ checked: 1, missingCount: 0, wrongSizeCount: 0 });
  });

  it('names a folder without any file list as incomplete', async () => {
    fs.writeFileSync(path.join(dir, 'Info.plist'), encodePlist({ 'Target Identifier': 'abc-20240102-030405' }, 'xml'));
    const { inspection } = await inspectBackup(dir);
    expect(inspection).toMatchObject({ udid: 'abc', status: 'incomplete', format: 'unknown' });
    expect(inspection.problems.map((problem) => problem.message)).toContain('Neither Manifest.db nor Manifest.mbdb is present, so the backup has no list of its files.');
  });
});
