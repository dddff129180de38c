import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import type { PasswordIo } from '../../src/main/cli/password-input';
import { inspectRestoreSource } from '../../src/main/restore';
import { fileIdOf } from './backup-builder';
import { NOTE, alterManifest, writeGoodBackup } from './hostile-backups';

/**
 * Backup folders damaged or made hostile in ways the full fuzz run found (bench/FUZZ.md): a
 * Manifest.db with damaged pages, a Files table without its columns, a name longer than any folder
 * holds, and a FIFO where a plist belongs. Each must end with a BackupError sentence and exit code,
 * never a raw SqliteError or a CLI that waits forever, and the good backup beside it stays listed.
 */

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-damaged-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: PasswordIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {}, stdin: Readable.from(['']) };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

interface ListedBackup {
  readonly udid: string;
  readonly status: string;
  readonly problems: ReadonlyArray<{ readonly message: string }>;
}

async function listBackups(root: string): Promise<ListedBackup[]> {
  const listing = await run(['backups', '--json', '--backup-root', root]);
  expect(listing.code, listing.stderr).toBe(ExitCode.ok);
  return (JSON.parse(listing.stdout) as { backups: ListedBackup[] }).backups;
}

function problemsOf(backups: readonly ListedBackup[], udid: string): string {
  return (backups.find((backup) => backup.udid === udid)?.problems ?? []).map((problem) => problem.message).join(' ');
}

/**
 * Fills Files with enough rows to span many pages, then overwrites the table's leaf pages (found
 * with SQLite's dbstat) with garbage, leaving the header, the schema and the indexes whole: the
 * database opens and counts its rows, and fails only when a read reaches the table's rows, as the
 * fuzz run's damaged databases did.
 */
function damageFilesPages(folder: string): void {
  const file = path.join(folder, 'Manifest.db');
  const db = new Database(file);
  let pageSize: number;
  let leaves: number[];
  try {
    db.exec("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 400) INSERT INTO Files SELECT printf('%040x', x), 'HomeDomain', 'filler/' || x, 1, randomblob(300) FROM n");
    pageSize = db.pragma('page_size', { simple: true }) as number;
    leaves = (db.prepare("SELECT pageno FROM dbstat WHERE name = 'Files' AND pagetype = 'leaf'").all() as Array<{ pageno: number }>).map((row) => row.pageno);
  } finally {
    db.close();
  }
  expect(leaves.length).toBeGreaterThan(4);
  const bytes = fs.readFileSync(file);
  for (const page of leaves.slice(1)) bytes.fill(0xa5, (page - 1) * pageSize, page * pageSize);
  fs.writeFileSync(file, bytes);
}

describe('a Manifest.db SQLite finds damaged only while reading its rows', () => {
  it('is listed as damaged with the reason beside the good backup; browse, verify and extract exit 10 with a sentence', async () => {
    const root = path.join(work, 'pages');
    await writeGoodBackup(path.join(root, 'good-udid'), 'good-udid');
    const folder = path.join(root, 'pages-udid');
    await writeGoodBackup(folder, 'pages-udid');
    damageFilesPages(folder);

    const backups = await listBackups(root);
    expect(backups.find((backup) => backup.udid === 'good-udid')?.status).toBe('complete');
    expect(backups.find((backup) => backup.udid === 'pages-udid')?.status).toBe('damaged');
    expect(problemsOf(backups, 'pages-udid')).toMatch(/Manifest\.db is damaged and cannot be read \(SQLite says: database disk image is malformed\)/);

    const verify = await run(['verify', folder, '--backup-root', root]);
    expect(verify.code, verify.stderr).toBe(ExitCode.backupDamaged);
    expect(verify.stdout).toMatch(/Manifest\.db is damaged and cannot be read/);
    for (const args of [['browse', folder], ['extract', folder, 'HomeDomain', '--to', path.join(work, 'pages-out')]]) {
      const result = await run([...args, '--backup-root', root]);
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(ExitCode.backupDamaged);
      expect(result.stderr).toMatch(/Manifest\.db is damaged and cannot be read \(SQLite says: database disk image is malformed\)/);
      expect(result.stderr).not.toMatch(/SqliteError|\n\s+at /);
    }
  });
});

describe('a Files table without the columns of a file list', () => {
  it('is refused by name before any query: listed as damaged, browse exits 10', async () => {
    const root = path.join(work, 'columns');
    const folder = path.join(root, 'columns-udid');
    await writeGoodBackup(folder, 'columns-udid');
    alterManifest(folder, 'ALTER TABLE Files RENAME TO RealFiles; CREATE TABLE Files (fileID TEXT); INSERT INTO Files SELECT fileID FROM RealFiles;');
    expect(problemsOf(await listBackups(root), 'columns-udid')).toMatch(/its Files table has no domain, relativePath, flags, file columns/);
    const browse = await run(['browse', folder, '--backup-root', root]);
    expect(browse.code, browse.stderr).toBe(ExitCode.backupDamaged);
    expect(browse.stderr).toMatch(/has no domain, relativePath, flags, file columns/);
  });
});

describe('a name longer than a folder can hold', () => {
  it('stops extract with a sentence instead of ENAMETOOLONG', async () => {
    const root = path.join(work, 'long-name');
    const folder = path.join(root, 'long-udid');
    await writeGoodBackup(folder, 'long-udid');
    const noteId = fileIdOf(NOTE.domain, NOTE.relativePath);
    alterManifest(folder, `UPDATE Files SET relativePath = 'Documents/${'x'.repeat(300)}' WHERE fileID = '${noteId}';`);
    const result = await run(['extract', folder, `${NOTE.domain}/Documents`, '--to', path.join(work, 'long-out'), '--backup-root', root]);
    expect(result.code, result.stderr).not.toBe(ExitCode.ok);
    expect(result.stderr).toMatch(/lists a name longer than 255 bytes \("AppDomain-com\.example\.notes\/Documents\/x{20}/);
    expect(result.stderr).not.toMatch(/ENAMETOOLONG|\n\s+at /);
  });
});

describe.skipIf(process.platform === 'win32')('a FIFO where a plist of the backup belongs', () => {
  it.each(['Info.plist', 'Manifest.plist', 'Status.plist'])('in place of %s: backups lists it as damaged, browse, verify and restore end with a sentence', async (name) => {
    const root = path.join(work, `fifo-${name}`);
    await writeGoodBackup(path.join(root, 'good-udid'), 'good-udid');
    const folder = path.join(root, 'fifo-udid');
    await writeGoodBackup(folder, 'fifo-udid');
    fs.rmSync(path.join(folder, name));
    execFileSync('mkfifo', [path.join(folder, name)]);
    // Each of these used to wait forever in open(2) for a writer that never comes.
    const backups = await listBackups(root);
    expect(backups.find((backup) => backup.udid === 'good-udid')?.status).toBe('complete');
    expect(problemsOf(backups, 'fifo-udid')).toContain(`${name} cannot be read (${name} is not a regular file).`);
    const verify = await run(['verify', folder, '--backup-root', root]);
    expect(verify.code, verify.stderr).toBe(ExitCode.backupDamaged);
    // The browser needs only Manifest.db: it opens, and says what it could not read.
    const browse = await run(['browse', folder, '--backup-root', root]);
    expect(browse.code, browse.stderr).toBe(ExitCode.ok);
    // What `lifeboat restore` reads before it touches the phone (restore-source.ts); the CLI run is in restore-cli.test.ts.
    if (name === 'Info.plist') {
      await expect(inspectRestoreSource(folder, undefined)).resolves.toMatchObject({ udid: 'fifo-udid' });
    } else {
      await expect(inspectRestoreSource(folder, undefined)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(new RegExp(`its ${name.replace('.', '\\.')} cannot be read`)) });
    }
  });

  it('in place of the sidecar note or as a folder named Manifest.db: listed as damaged, not waited on', async () => {
    const root = path.join(work, 'fifo-more');
    const folder = path.join(root, 'dir-udid');
    await writeGoodBackup(folder, 'dir-udid');
    fs.rmSync(path.join(folder, 'Manifest.db'));
    fs.mkdirSync(path.join(folder, 'Manifest.db'));
    execFileSync('mkfifo', [path.join(folder, '.lifeboat.json')]);
    expect(problemsOf(await listBackups(root), 'dir-udid')).toMatch(/Manifest\.db cannot be read \(Manifest\.db is a folder, not a file\)/);
  });
});
