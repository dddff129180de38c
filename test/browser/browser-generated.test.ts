import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { extractByFileIds, extractFromBackup, openBackupBrowser, parseBackupPath } from '../../src/main/browser';
import { ManifestDbWriter } from '../../src/simulator/backup-format/manifest-db';

const fileIdOf = (domain: string, relativePath: string): string => crypto.createHash('sha1').update(`${domain}-${relativePath}`).digest('hex');

interface Row {
  readonly domain: string;
  readonly relativePath: string;
  readonly kind: 'file' | 'directory';
  readonly content?: string;
  readonly mtime?: number;
}

/** A plaintext iOS 10+ backup folder with these rows and their content files. */
function writeManifestDbBackup(folder: string, rows: readonly Row[]): void {
  fs.mkdirSync(folder, { recursive: true });
  const writer = new ManifestDbWriter(path.join(folder, 'Manifest.db'));
  for (const [index, row] of rows.entries()) {
    const fileId = fileIdOf(row.domain, row.relativePath);
    const content = Buffer.from(row.content ?? '');
    const mtime = row.mtime ?? 1_600_000_000;
    writer.add({
      fileId, domain: row.domain, relativePath: row.relativePath, flags: row.kind === 'file' ? 1 : 2,
      file: { relativePath: row.relativePath, mode: row.kind === 'file' ? 0o100644 : 0o40755, inode: index + 1, uid: 501, gid: 501, mtime, ctime: mtime, birth: mtime, size: row.kind === 'file' ? content.length : 0, protectionClass: 3 },
    });
    if (row.kind === 'file') {
      fs.mkdirSync(path.join(folder, fileId.slice(0, 2)), { recursive: true });
      fs.writeFileSync(path.join(folder, fileId.slice(0, 2), fileId), content);
    }
  }
  writer.finish();
}

/** An iOS 5–9 Manifest.mbdb (protocol.md §5.7) with regular files and folders; content stored flat. */
function writeMbdbBackup(folder: string, rows: readonly Row[]): void {
  fs.mkdirSync(folder, { recursive: true });
  const text = (value: string): Buffer => {
    if (value === '') return Buffer.from([0xff, 0xff]);
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const parts: Buffer[] = [Buffer.from('mbdb\x05\x00', 'latin1')];
  for (const row of rows) {
    const content = Buffer.from(row.content ?? '');
    const fixed = Buffer.alloc(2 + 8 + 4 + 4 + 12 + 8 + 1 + 1);
    fixed.writeUInt16BE(row.kind === 'file' ? 0o100644 : 0o40755, 0);
    fixed.writeBigUInt64BE(BigInt(row.kind === 'file' ? content.length : 0), 30);
    parts.push(text(row.domain), text(row.relativePath), text(''), text(''), text(''), fixed);
    if (row.kind === 'file') fs.writeFileSync(path.join(folder, fileIdOf(row.domain, row.relativePath)), content);
  }
  fs.writeFileSync(path.join(folder, 'Manifest.mbdb'), Buffer.concat(parts));
}

describe('backup browser on generated backups', () => {
  let work: string;

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  });

  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('lists, searches and extracts an old Manifest.mbdb backup', async () => {
    const folder = path.join(work, 'old');
    writeMbdbBackup(folder, [
      { domain: 'HomeDomain', relativePath: 'Library', kind: 'directory' },
      { domain: 'HomeDomain', relativePath: 'Library/SMS', kind: 'directory' },
      { domain: 'HomeDomain', relativePath: 'Library/SMS/sms.db', kind: 'file', content: 'messages' },
      { domain: 'AppDomain-com.example.notes', relativePath: 'Documents/note.txt', kind: 'file', content: 'a note' },
    ]);
    const browser = await openBackupBrowser(folder);
    try {
      expect(browser.summary).toMatchObject({ format: 'manifest-mbdb', entries: 4 });
      expect(browser.domains()).toEqual([
        { domain: 'AppDomain-com.example.notes', entries: 1, files: 1, bytes: 6 },
        { domain: 'HomeDomain', entries: 3, files: 1, bytes: 8 },
      ]);
      expect(browser.apps()).toEqual([{ bundleId: 'com.example.notes', domains: ['AppDomain-com.example.notes'], files: 1, bytes: 6 }]);
      // The app domain has no folder rows: its Documents folder is implied by the file below it.
      expect(browser.list('AppDomain-com.example.notes').map((entry) => [entry.relativePath, entry.kind])).toEqual([['Documents', 'directory']]);
      expect(browser.search('SMS.DB').map((entry) => entry.relativePath)).toEqual(['Library/SMS/sms.db']);
      const result = await extractFromBackup(browser, parseBackupPath('HomeDomain'), path.join(work, 'out'));
      expect(result.files).toBe(1);
      expect(fs.readFileSync(path.join(work, 'out', 'HomeDomain', 'Library', 'SMS', 'sms.db'), 'utf8')).toBe('messages');
    } finally {
      browser.close();
    }
  });

  it('treats % and _ in a search as plain characters and lists folders with their dates', async () => {
    const folder = path.join(work, 'plain');
    writeManifestDbBackup(folder, [
      { domain: 'MediaDomain', relativePath: 'Media', kind: 'directory', mtime: 1_500_000_000 },
      { domain: 'MediaDomain', relativePath: 'Media/100%_done.txt', kind: 'file', content: 'x', mtime: 1_600_000_123 },
      { domain: 'MediaDomain', relativePath: 'Media/1000 done.txt', kind: 'file', content: 'y' },
    ]);
    const browser = await openBackupBrowser(folder);
    try {
      expect(browser.search('%_').map((entry) => entry.relativePath)).toEqual(['Media/100%_done.txt']);
      const result = await extractFromBackup(browser, parseBackupPath('MediaDomain/Media'), path.join(work, 'out'));
      expect(result.files).toBe(2);
      expect(Math.floor(fs.statSync(path.join(work, 'out', 'Media', '100%_done.txt')).mtimeMs / 1000)).toBe(1_600_000_123);
      expect(Math.floor(fs.statSync(path.join(work, 'out', 'Media')).mtimeMs / 1000)).toBe(1_500_000_000);
      // A mixed selection by fileID lands as <to>/<Domain>/<relativePath>.
      const byId = await extractByFileIds(browser, [fileIdOf('MediaDomain', 'Media/1000 done.txt')], path.join(work, 'by-id'));
      expect(byId.files).toBe(1);
      expect(fs.readFileSync(path.join(work, 'by-id', 'MediaDomain', 'Media', '1000 done.txt'), 'utf8')).toBe('y');
    } finally {
      browser.close();
    }
  });

  it('refuses to extract a path that would leave the destination folder', async () => {
    const folder = path.join(work, 'hostile');
    writeManifestDbBackup(folder, [
      { domain: 'HomeDomain', relativePath: 'Library', kind: 'directory' },
      { domain: 'HomeDomain', relativePath: 'Library/../../../escaped.txt', kind: 'file', content: 'gotcha' },
    ]);
    const browser = await openBackupBrowser(folder);
    try {
      const error = await extractFromBackup(browser, parseBackupPath('HomeDomain'), path.join(work, 'out', 'inner')).catch((caught: unknown) => caught);
      expect(isBackupError(error, 'hostile-path')).toBe(true);
      expect(fs.existsSync(path.join(work, 'escaped.txt'))).toBe(false);
      expect(fs.existsSync(path.join(work, 'out', 'escaped.txt'))).toBe(false);
    } finally {
      browser.close();
    }
  });
});
