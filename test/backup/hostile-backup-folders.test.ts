import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackupBrowser } from '../../src/main/browser';
import { openManifestDb } from '../../src/main/backup/catalog';
import { inspectRestoreSource } from '../../src/main/restore';
import { runRestoreDrive } from '../../src/main/restore/restore-drive';
import { ConfinedPaths, filterManifestDb } from '../../src/main/backup/store';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import type { PasswordIo } from '../../src/main/cli/password-input';
import { PlistReal, readFrame, readPlistFrame } from '../../src/main/device/codec';
import { MobileBackup2Client } from '../../src/main/device/services';
import { channelPair } from '../../src/main/device/services/test-support/channel-pair';
import { fileIdOf } from './backup-builder';
import { UDID, readDownloadStream, readStatus, send } from './engine-scripted-device';
import {
  NOTE,
  alterManifest,
  writeEndlessViewBackup,
  writeFifoManifestBackup,
  writeGoodBackup,
  writeLinkedContentBackup,
  writeOversizedContentBackup,
  writeTraversalBackup,
  writeTriggerBackup,
} from './hostile-backups';

/**
 * Backup folders as untrusted input (issue 13, findings 2 and 3): a traversing fileID, a content
 * file linked to /dev/zero, a file longer than its row says, a Manifest.db whose Files is an
 * endless VIEW, a trigger. Each must end quickly with a sentence, read nothing outside the folder,
 * and leave the good backups beside it listed.
 */

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: PasswordIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, stdin: Readable.from(['']) };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** A fresh folder under `work`. */
function place(name: string): string {
  const folder = path.join(work, name);
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

/** Total bytes of the regular files below `folder`. */
function bytesUnder(folder: string): number {
  if (!fs.existsSync(folder)) return 0;
  return fs.readdirSync(folder, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile()).reduce((sum, entry) => sum + fs.statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

describe('a fileID that leaves the backup folder', () => {
  it('is refused by extract (exit 10, a sentence) and the file outside is not copied', async () => {
    const base = place('traversal');
    fs.mkdirSync(path.join(base, 'secret'));
    fs.writeFileSync(path.join(base, 'secret', 'id_rsa'), 'PRIVATE KEY');
    const folder = path.join(base, 'root', 'hostile-udid');
    // `xx/<fileID>` with fileID `../secret/id_rsa` is `../../secret/id_rsa`: <base>/secret/id_rsa.
    await writeTraversalBackup(folder, 'hostile-udid', '../secret/id_rsa');
    const to = path.join(base, 'out');
    const result = await run(['extract', folder, `${NOTE.domain}/Documents`, '--to', to, '--backup-root', path.join(base, 'root')]);
    expect(result.code, result.stderr).toBe(ExitCode.backupDamaged);
    expect(result.stderr).toMatch(/not a file ID \(40 hex digits\)/);
    expect(bytesUnder(to)).toBe(0);
  });

  it('makes verify report the backup damaged, naming the reason', async () => {
    const root = place('traversal-verify');
    const folder = path.join(root, 'hostile-udid');
    await writeTraversalBackup(folder, 'hostile-udid', '../../../../etc/passwd');
    const result = await run(['verify', folder, '--backup-root', root]);
    expect(result.code, result.stderr).toBe(ExitCode.backupDamaged);
    expect(result.stdout).toMatch(/not a file ID/);
  });
});

describe('content files that are not what the file list says', () => {
  it('refuses a content file that is a symbolic link to /dev/zero instead of reading forever', async () => {
    const root = place('dev-zero');
    const folder = path.join(root, 'hostile-udid');
    await writeLinkedContentBackup(folder, 'hostile-udid', '/dev/zero');
    const to = path.join(root, '..', 'dev-zero-out');
    const result = await run(['extract', folder, `${NOTE.domain}/${NOTE.relativePath}`, '--to', to, '--backup-root', root]);
    expect(result.code, result.stderr).toBe(ExitCode.backupDamaged);
    expect(result.stderr).toMatch(/symbolic link/);
    expect(bytesUnder(to)).toBe(0);
  });

  it('reads no more than the size the row records from a longer content file', async () => {
    const folder = path.join(place('oversized'), 'udid');
    await writeOversizedContentBackup(folder, 'udid', 1024 * 1024);
    const browser = await openBackupBrowser(folder);
    try {
      const entry = browser.entry(NOTE.domain, NOTE.relativePath);
      expect(entry?.size).toBe(NOTE.size);
      const bytes = await buffer(browser.openFile(entry as NonNullable<typeof entry>));
      expect(bytes.length).toBe(NOTE.size);
    } finally {
      browser.close();
    }
  });
});

describe('a Manifest.db that runs its own schema', () => {
  it('with an endless VIEW as Files: backups lists it as damaged beside the good one; browse and verify end with exit 10', async () => {
    const root = place('endless-root');
    await writeGoodBackup(path.join(root, 'good-udid'), 'good-udid');
    await writeEndlessViewBackup(path.join(root, 'endless-udid'), 'endless-udid');
    const started = Date.now();

    const listing = await run(['backups', '--json', '--backup-root', root]);
    expect(listing.code, listing.stderr).toBe(ExitCode.ok);
    const backups = (JSON.parse(listing.stdout) as { backups: Array<{ udid: string; status: string; problems: Array<{ message: string }> }> }).backups;
    expect(backups.find((backup) => backup.udid === 'good-udid')?.status).toBe('complete');
    const bad = backups.find((backup) => backup.udid === 'endless-udid');
    expect(bad?.status).toBe('damaged');
    expect(bad?.problems.map((problem) => problem.message).join(' ')).toMatch(/holds a view \("Files"\)/);

    const browse = await run(['browse', path.join(root, 'endless-udid'), '--backup-root', root]);
    expect(browse.code, browse.stderr).toBe(ExitCode.backupDamaged);
    expect(browse.stderr).toMatch(/holds a view/);
    const verify = await run(['verify', path.join(root, 'endless-udid'), '--backup-root', root]);
    expect(verify.code, verify.stderr).toBe(ExitCode.backupDamaged);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it.skipIf(process.platform === 'win32')('that is a FIFO: backups lists it as damaged instead of waiting forever, and browse exits 10', async () => {
    const root = place('fifo-root');
    await writeFifoManifestBackup(path.join(root, 'fifo-udid'), 'fifo-udid');
    const listing = await run(['backups', '--json', '--backup-root', root]);
    const backups = (JSON.parse(listing.stdout) as { backups: Array<{ udid: string; status: string; problems: Array<{ message: string }> }> }).backups;
    expect(backups.find((backup) => backup.udid === 'fifo-udid')).toMatchObject({ status: 'damaged', problems: [expect.objectContaining({ message: expect.stringMatching(/Manifest\.db cannot be read \(Manifest\.db is not a regular file\)/) })] });
    const browse = await run(['browse', path.join(root, 'fifo-udid'), '--backup-root', root]);
    expect(browse.code, browse.stderr).toBe(ExitCode.backupDamaged);
  });

  it('with a trigger: refused before the Camera Roll rewrite can DELETE, so the trigger never runs', async () => {
    const folder = path.join(place('trigger'), 'udid');
    await writeTriggerBackup(folder, 'udid');
    const out = path.join(folder, '..', 'filtered.db');
    expect(() => filterManifestDb(path.join(folder, 'Manifest.db'), out, (row) => row.domain !== 'CameraRollDomain')).toThrow(/holds a trigger \("on_delete"\)/);
    expect(fs.existsSync(out)).toBe(false);
    const db = new Database(path.join(folder, 'Manifest.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM Fired').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(() => openManifestDb(folder)).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });

  it('with a computed column or a virtual table in Files: refused', async () => {
    const computed = path.join(place('computed'), 'udid');
    await writeGoodBackup(computed, 'udid');
    alterManifest(computed, "ALTER TABLE Files ADD COLUMN slow TEXT GENERATED ALWAYS AS (printf('%.*c', 100000000, 'x')) VIRTUAL;");
    expect(() => openManifestDb(computed)).toThrow(/computed columns/);

    const virtual = path.join(place('virtual'), 'udid');
    await writeGoodBackup(virtual, 'udid');
    alterManifest(virtual, 'DROP TABLE Files; CREATE VIRTUAL TABLE Files USING fts5(fileID, domain, relativePath, flags, file);');
    expect(() => openManifestDb(virtual)).toThrow(/virtual table/);
  });
});

/** A scripted phone asks for `devicePaths` in one DownloadFiles (§3.6.1) of a restore served from `folder`; resolves with what it received. */
async function downloadFromRestore(folder: string, devicePaths: string[], maxBytesOf?: (devicePath: string) => number | undefined): Promise<Array<{ path: string; content: Buffer; error?: string }>> {
  const { host, peer } = channelPair();
  const phone = (async () => {
    send(peer, ['DLMessageVersionExchange', 400, 0]);
    await readPlistFrame(peer.reader);
    send(peer, ['DLMessageDeviceReady']);
    await readFrame(peer.reader); // Hello (§3.3)
    send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.1) }]);
    send(peer, ['DLMessageDownloadFiles', devicePaths, {}, new PlistReal(1), 0]);
    const downloaded = await readDownloadStream(peer);
    await readStatus(peer);
    send(peer, ['DLMessageProcessMessage', { MessageName: 'Response', ErrorCode: 0 }]);
    return downloaded;
  })();
  const backup = await MobileBackup2Client.connect(host);
  const outcome = await runRestoreDrive({
    deviceLink: backup.deviceLink,
    paths: new ConfinedPaths(UDID, folder),
    ...(maxBytesOf ? { maxBytesOf } : {}),
    onFileSent: () => undefined,
    onBytes: () => undefined,
    onStep: () => undefined,
    onStepDone: () => undefined,
  });
  expect(outcome.errorCode).toBe(0);
  host.close();
  return phone;
}

describe.skipIf(process.platform === 'win32')('files a restoring phone asks for (DownloadFiles, §3.6.1)', () => {
  it('answers a FIFO in the backup folder with an error instead of waiting on it forever', async () => {
    const folder = path.join(place('restore-fifo'), UDID);
    const fileId = 'ab'.padEnd(40, '7');
    fs.mkdirSync(path.join(folder, 'ab'), { recursive: true });
    execFileSync('mkfifo', [path.join(folder, 'ab', fileId)]);
    expect(await downloadFromRestore(folder, [`${UDID}/ab/${fileId}`])).toEqual([expect.objectContaining({ path: `${UDID}/ab/${fileId}`, content: Buffer.alloc(0), error: expect.any(String) })]);
  }, 20_000);

  it('sends a content file longer than its row only up to the size Manifest.db records', async () => {
    const folder = path.join(place('restore-oversized'), UDID);
    await writeOversizedContentBackup(folder, UDID, 1024 * 1024);
    const noteId = fileIdOf(NOTE.domain, NOTE.relativePath);
    // What runRestore hands the drive: the recorded size of every listed file (restore-source.ts).
    const source = await inspectRestoreSource(folder, undefined);
    expect(source.storedSizes.get(noteId)).toBe(NOTE.size);
    const notePath = `${UDID}/${noteId.slice(0, 2)}/${noteId}`;
    const received = await downloadFromRestore(folder, [notePath, `${UDID}/Manifest.plist`], (devicePath) => (devicePath === notePath ? source.storedSizes.get(noteId) : undefined));
    expect(received.map((file) => [file.path, file.content.length, file.error])).toEqual([
      [notePath, NOTE.size, undefined],
      [`${UDID}/Manifest.plist`, fs.statSync(path.join(folder, 'Manifest.plist')).size, undefined],
    ]);
  }, 20_000);
});
