import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupFormatError } from './errors';
import { fileIdFor } from './file-id';
import { type ManifestRow, ManifestDbWriter, readManifestDb, readManifestDbFromBytes } from './manifest-db';
import { privateFixtureCopy } from './test-support/fixture-copy';

// Opened from a private copy (test-support/fixture-copy.ts says why).
const MVT_MANIFEST_DB = privateFixtureCopy(new URL('../../../../shared/fixtures/mvt-ios-backup/Manifest.db', import.meta.url).pathname);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function row(domain: string, relativePath: string, flags: 1 | 2 | 4, size = 0): ManifestRow {
  const mode = flags === 1 ? 0o100644 : flags === 2 ? 0o40755 : 0o120755;
  return {
    fileId: fileIdFor(domain, relativePath),
    domain,
    relativePath,
    flags,
    file: {
      relativePath,
      mode,
      inode: relativePath.length + 1000,
      uid: 501,
      gid: 501,
      mtime: 1_700_000_000,
      ctime: 1_700_000_000,
      birth: 1_700_000_000,
      size,
      protectionClass: flags === 1 ? 3 : 0,
      flags: 0,
      ...(flags === 4 ? { linkTarget: '/private/var/mobile/elsewhere' } : {}),
    },
  };
}

describe('ManifestDbWriter (protocol.md §5.6)', () => {
  it('writes the real schema into one self-contained file', () => {
    const target = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(target);
    writer.add(row('HomeDomain', '', 2));
    writer.add(row('HomeDomain', 'Library/SMS/sms.db', 1, 12345));
    writer.add(row('HomeDomain', 'Library/link', 4));
    writer.finish();

    expect(fs.readdirSync(dir)).toEqual(['Manifest.db']);
    const bytes = fs.readFileSync(target);
    expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect(bytes.length % 16).toBe(0); // required for whole-file AES-CBC without padding (§6.4)

    const db = new Database(target, { readonly: true });
    try {
      const schema = (db.prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE sql IS NOT NULL").all() as {
        name: string;
      }[]).map((entry) => entry.name);
      expect(schema.sort()).toEqual(['Files', 'FilesDomainIdx', 'FilesFlagsIdx', 'FilesRelativePathIdx', 'Properties']);
      expect(db.pragma('journal_mode', { simple: true })).not.toBe('wal');
      const sms = db.prepare('SELECT * FROM Files WHERE fileID = ?').get('3d0d7e5fb2ce288813306e4d4636395e047a3d28') as {
        domain: string;
        relativePath: string;
        flags: number;
      };
      expect(sms).toMatchObject({ domain: 'HomeDomain', relativePath: 'Library/SMS/sms.db', flags: 1 });
    } finally {
      db.close();
    }
  });

  it('round-trips rows through readManifestDb, later duplicates replacing earlier ones', () => {
    const target = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(target);
    const rows = [row('HomeDomain', '', 2), row('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG', 1, 99), row('HomeDomain', 'a', 4)];
    for (const entry of rows) writer.add(entry);
    const replacement = row('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG', 1, 100);
    writer.add(replacement);
    writer.setProperty('note', Buffer.from('x'));
    writer.finish();

    const read = [...readManifestDb(target)];
    expect(read).toHaveLength(3);
    const byId = new Map(read.map((entry) => [entry.fileId, entry]));
    expect(byId.get(replacement.fileId)).toEqual(replacement);
    expect(byId.get(rows[2]!.fileId)).toEqual(rows[2]);
  });

  it('replaces an existing file at the path', () => {
    const target = path.join(dir, 'Manifest.db');
    fs.writeFileSync(target, 'old junk');
    fs.writeFileSync(`${target}-wal`, 'stale');
    const writer = new ManifestDbWriter(target);
    writer.add(row('HomeDomain', 'x', 1));
    writer.finish();
    expect([...readManifestDb(target)].map((entry) => entry.relativePath)).toEqual(['x']);
    expect(fs.existsSync(`${target}-wal`)).toBe(false);
  });

  it('abort removes the partial file and later use is refused', () => {
    const target = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(target);
    writer.add(row('HomeDomain', 'x', 1));
    writer.abort();
    expect(fs.existsSync(target)).toBe(false);
    expect(() => writer.add(row('HomeDomain', 'y', 1))).toThrow(/closed/);
  });

  it('writes 100k rows in batched transactions', () => {
    const target = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(target);
    for (let i = 0; i < 100_000; i += 1) {
      writer.add(row(`AppDomain-com.example.app${i % 50}`, `Library/Caches/file-${i}.bin`, 1, i));
    }
    writer.finish();
    let count = 0;
    let sizeSum = 0;
    for (const entry of readManifestDb(target)) {
      count += 1;
      sizeSum += entry.file.size;
    }
    expect(count).toBe(100_000);
    expect(sizeSum).toBe((99_999 * 100_000) / 2);
  });
});

describe('readManifestDb', () => {
  it('streams the real iOS 14 mvt Manifest.db', () => {
    const counts = new Map<string, number>();
    for (const entry of readManifestDb(MVT_MANIFEST_DB)) {
      counts.set(entry.domain, (counts.get(entry.domain) ?? 0) + 1);
      expect(entry.file.relativePath).toBe(entry.relativePath);
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(3721);
    expect(counts.get('HomeDomain')).toBe(571);
    expect(counts.get('CameraRollDomain')).toBe(290);
    expect(counts.get('AppDomain-com.google.chrome.ios')).toBe(334);
  });

  it('can be abandoned early without leaving the database open', () => {
    for (const entry of readManifestDb(MVT_MANIFEST_DB)) {
      expect(entry.fileId).toMatch(/^[0-9a-f]{40}$/);
      break;
    }
    const target = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(target);
    writer.add(row('HomeDomain', 'x', 1));
    writer.finish();
    for (const _ of readManifestDb(target)) break;
    fs.rmSync(target);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('reads a Manifest.db held in memory', () => {
    const target = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(target);
    const entry = row('HomeDomain', 'Library/SMS/sms.db', 1, 5);
    writer.add(entry);
    writer.finish();
    expect([...readManifestDbFromBytes(fs.readFileSync(target))]).toEqual([entry]);
    expect(() => [...readManifestDbFromBytes(Buffer.alloc(4096, 1))]).toThrow(BackupFormatError);
  });

  it('says clearly when the file is not a plaintext Manifest.db', () => {
    const encrypted = new URL('../../../../shared/fixtures/pyiosbackup-encrypted/Manifest.db', import.meta.url).pathname;
    expect(() => [...readManifestDb(encrypted)]).toThrow(BackupFormatError);
    expect(() => [...readManifestDb(path.join(dir, 'missing.db'))]).toThrow(/Cannot open Manifest.db/);
  });
});
