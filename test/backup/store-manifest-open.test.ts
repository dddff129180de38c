import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlistUid, encodePlist } from '../../src/main/device/codec';
import { openManifestDb } from '../../src/main/backup/catalog/manifest-source';
import { decryptManifestDb, unlockBackup } from '../../src/main/backup/crypto';
import { decodeMbFile, filterManifestDb, openManifestDbReadOnly, openSqliteImage, readManifestRows } from '../../src/main/backup/store';
import { encryptedFixture, missingFixturesNote, mvtFixture } from './fixture-paths';

/** Every name under `dir` (SQLite side files included: they are what this test is about), with sizes and mtimes. */
function fullListing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (current: string): void => {
    for (const name of fs.readdirSync(current).sort()) {
      const full = path.join(current, name);
      const stat = fs.lstatSync(full);
      lines.push(`${path.relative(dir, full)} ${stat.size} ${stat.mtimeMs}`);
      if (stat.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return lines;
}

function archive(objects: unknown[]): Buffer {
  return encodePlist({ $version: 100000, $archiver: 'NSKeyedArchiver', $top: { root: new PlistUid(1) }, $objects: objects as never }, 'binary');
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The lifeboat-manifest-* private copies in the temp folder (there must be none left). */
function privateCopies(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('lifeboat-manifest-') && fs.existsSync(path.join(os.tmpdir(), name, 'Manifest.db')));
}

function writeFilesTable(dbPath: string, journalMode: 'DELETE' | 'WAL', rows: number): void {
  const writer = new Database(dbPath);
  writer.pragma(`journal_mode = ${journalMode}`);
  writer.exec('CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)');
  const insert = writer.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)');
  writer.transaction(() => {
    for (let index = 0; index < rows; index += 1) insert.run(`id${index}`, 'HomeDomain', `file${index}`, 1, Buffer.alloc(0));
  })();
  writer.close();
}

describe('Manifest.db is opened without writing beside it or loading it into memory', () => {
  it('opens a rollback-journal Manifest.db where it lies, read-only, instead of reading the file into memory', () => {
    const dbPath = path.join(dir, 'Manifest.db');
    writeFilesTable(dbPath, 'DELETE', 100);
    const before = fullListing(dir);
    const db = openManifestDbReadOnly(dbPath);
    try {
      // Before, every Manifest.db was deserialized into memory: a million-file phone's 1 GB twice over.
      expect(db.memory).toBe(false);
      expect(db.name).toBe(dbPath);
      expect(db.readonly).toBe(true);
      expect((db.prepare('SELECT count(*) AS n FROM Files').get() as { n: number }).n).toBe(100);
    } finally {
      db.close();
    }
    expect(fullListing(dir)).toEqual(before);
  });

  it('opens a WAL-mode Manifest.db from a private copy that is gone as soon as it is open', () => {
    const dbPath = path.join(dir, 'Manifest.db');
    writeFilesTable(dbPath, 'WAL', 10);
    expect(fs.readdirSync(dir)).toEqual(['Manifest.db']);
    const copiesBefore = privateCopies();
    const db = openManifestDbReadOnly(dbPath);
    try {
      expect(db.memory).toBe(false);
      expect(db.name).not.toBe(dbPath);
      expect(privateCopies()).toEqual(copiesBefore);
      expect((db.prepare('SELECT count(*) AS n FROM Files').get() as { n: number }).n).toBe(10);
    } finally {
      db.close();
    }
    expect(fs.readdirSync(dir)).toEqual(['Manifest.db']);
  });

  it('refuses a hostile schema in place too, and leaves the file as it was', () => {
    const dbPath = path.join(dir, 'Manifest.db');
    writeFilesTable(dbPath, 'DELETE', 3);
    const writer = new Database(dbPath);
    writer.exec("CREATE VIEW Sneaky AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n");
    writer.close();
    const before = fullListing(dir);
    expect(() => openManifestDbReadOnly(dbPath)).toThrow(expect.objectContaining({ code: 'corrupt', message: expect.stringMatching(/holds a view/) }));
    expect(fullListing(dir)).toEqual(before);
  });

  it.skipIf(!fs.existsSync(mvtFixture))('reading the mvt fixture with the store, catalog and filter leaves its folder listing unchanged (no -shm/-wal)', () => {
    const before = fullListing(mvtFixture);
    const rows = [...readManifestRows(path.join(mvtFixture, 'Manifest.db'))];
    expect(rows.length).toBe(3721);
    const opened = openManifestDb(mvtFixture);
    if (opened.kind !== 'open') throw new Error('the mvt fixture is not encrypted');
    opened.db.close();
    const filtered = filterManifestDb(path.join(mvtFixture, 'Manifest.db'), path.join(dir, 'filtered.db'), (row) => row.domain !== 'CameraRollDomain');
    expect(filtered.kept + filtered.removed).toBe(3721);
    expect(fullListing(mvtFixture)).toEqual(before);
    expect(before.some((line) => /Manifest\.db-(shm|wal)/.test(line))).toBe(false);
  });

  it('folds a WAL with committed rows in, and leaves the WAL database and its side files as they were', () => {
    const dbPath = path.join(dir, 'Manifest.db');
    const writer = new Database(dbPath);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)');
    const insert = writer.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)');
    for (let index = 0; index < 5; index += 1) insert.run(`id${index}`, 'HomeDomain', `file${index}`, 1, Buffer.alloc(0));
    // Copy the files while the writer still holds the WAL open, as a crash or a live iTunes would leave them.
    const frozen = path.join(dir, 'frozen');
    fs.mkdirSync(frozen);
    for (const name of fs.readdirSync(dir)) if (name.startsWith('Manifest.db')) fs.copyFileSync(path.join(dir, name), path.join(frozen, name));
    writer.close();
    expect(fs.statSync(path.join(frozen, 'Manifest.db-wal')).size).toBeGreaterThan(0);
    const before = fullListing(frozen);
    expect([...readManifestRows(path.join(frozen, 'Manifest.db'))].map((row) => row.relativePath)).toEqual(['file0', 'file1', 'file2', 'file3', 'file4']);
    expect(fullListing(frozen)).toEqual(before);
  });
});

describe('decodeMbFile (protocol.md §5.6)', () => {
  it('follows EncryptionKey → {NS.data: UID} → bytes one more level', () => {
    const key = crypto.randomBytes(44);
    const blob = archive(['$null', { Size: 9, Mode: 0o100755, EncryptionKey: new PlistUid(2), $class: new PlistUid(5) }, { 'NS.data': new PlistUid(3), $class: new PlistUid(4) }, key, { $classname: 'NSMutableData' }, { $classname: 'MBFile' }]);
    const file = decodeMbFile(blob, 1);
    expect(file.size).toBe(9);
    expect(file.encryptionKey?.equals(key)).toBe(true);
  });

  it('takes the kind from the row flags, and from the Mode type bits when flags is 0', () => {
    const withMode = (mode: number): Buffer => archive(['$null', { Size: 0, Mode: mode, $class: new PlistUid(2) }, { $classname: 'MBFile' }]);
    expect([decodeMbFile(withMode(0), 1).kind, decodeMbFile(withMode(0), 2).kind, decodeMbFile(withMode(0), 4).kind]).toEqual(['file', 'directory', 'symlink']);
    expect([0o100644, 0o40755, 0o120777, 0].map((mode) => decodeMbFile(withMode(mode), 0).kind)).toEqual(['file', 'directory', 'symlink', 'other']);
    // A row flag wins over a contradicting Mode.
    expect(decodeMbFile(withMode(0o40755), 1).kind).toBe('file');
  });

  it.skipIf(!fs.existsSync(encryptedFixture))('reads the wrapped key of every regular file in the real encrypted pyiosbackup fixture', async () => {
    const keys = await unlockBackup(fs.readFileSync(path.join(encryptedFixture, 'Manifest.plist')), '0000');
    const db = openSqliteImage(decryptManifestDb(fs.readFileSync(path.join(encryptedFixture, 'Manifest.db')), keys));
    try {
      const rows = db.prepare('SELECT flags, file FROM Files').all() as Array<{ flags: number; file: Buffer }>;
      const files = rows.map((row) => decodeMbFile(row.file, row.flags)).filter((file) => file.kind === 'file');
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(file.encryptionKey?.length).toBe(44);
    } finally {
      db.close();
    }
  });
});

if (!fs.existsSync(mvtFixture) || !fs.existsSync(encryptedFixture)) console.warn(missingFixturesNote);
