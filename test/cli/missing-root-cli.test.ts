import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/main/cli/cli-io';
import { ExitCode } from '../../src/main/cli/exit-codes';
import { runCli } from '../../src/main/cli/main';
import { writeGoodBackup } from '../backup/hostile-backups';

/**
 * Issue 16's review: only `lifeboat backup` may make the backup root. With the root missing (the
 * platform default before a first backup, or a disk unplugged), the commands that read it say the
 * folder does not exist, or read a named folder without making the root, and write nothing.
 */
describe('CLI commands other than backup with a backup root that does not exist', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-cli-missing-root-'));
  const root = path.join(base, 'media', 'BackupDisk', 'iPhone Backups');
  const elsewhere = path.join(base, 'elsewhere');
  const udid = '00008110-000A1B2C3D4E801E';

  beforeAll(async () => {
    await writeGoodBackup(path.join(elsewhere, udid), udid);
    // An earlier backup of a Lifeboat folder elsewhere: reading it whole needs a copy in the root.
    const snapshot = path.join(elsewhere, '.lifeboat', 'snapshots', udid, '20260101-000000');
    await writeGoodBackup(snapshot, udid);
    fs.writeFileSync(path.join(snapshot, '.lifeboat-delta.json'), JSON.stringify({ version: 1, added: [] }));
  });

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), env: {} };
    const code = await runCli([...argv, '--backup-root', root], io);
    return { code, stdout, stderr };
  }

  it('backups says the folder does not exist (exit 11), and does not make it', async () => {
    const listed = await run(['backups']);
    expect(listed.code).toBe(ExitCode.backupNotFound);
    expect(listed.stderr).toContain(`The backup folder ${root} is not there, so its backups cannot be listed. If it is on a disk, plug the disk in; otherwise name another with --backup-root`);
    expect((await run(['backups', '--json'])).code).toBe(ExitCode.backupNotFound);
    expect(fs.existsSync(path.join(base, 'media'))).toBe(false);
  });

  it.runIf(process.platform === 'linux')('backups with the platform default folder before the first backup: no backups yet (exit 0), and the folder is not made', async () => {
    const dataHome = path.join(base, 'xdg');
    let stdout = '';
    const io: CliIo = { stdout: (text) => void (stdout += text), stderr: () => undefined, env: { XDG_DATA_HOME: dataHome } };
    expect(await runCli(['backups'], io)).toBe(ExitCode.ok);
    expect(stdout).toBe(`No backups in ${path.join(dataHome, 'Lifeboat', 'Backup')} yet. Make one with "lifeboat backup".\n`);
    expect(await runCli(['backups', '--json'], io)).toBe(ExitCode.ok);
    expect(fs.existsSync(dataHome)).toBe(false);
  });

  it('verify of a backup named by its folder reads it without making the root; named by UDID it says the root does not exist', async () => {
    expect((await run(['verify', path.join(elsewhere, udid)])).code).toBe(ExitCode.ok);
    const byUdid = await run(['verify', udid]);
    expect(byUdid.code).toBe(ExitCode.backupNotFound);
    expect(byUdid.stderr).toContain(`The backup folder ${root} is not there, so the history of the backups in it cannot be read.`);
    expect(fs.existsSync(path.join(base, 'media'))).toBe(false);
  });

  it('a backup folder that is there but cannot be opened (a looping link) is said so by backups and verify, never "is not there"', async () => {
    const loop = path.join(base, 'loop');
    fs.symlinkSync(loop, loop);
    const io = (out: { text: string }): CliIo => ({ stdout: () => undefined, stderr: (text) => void (out.text += text), env: {} });
    const listed = { text: '' };
    expect(await runCli(['backups', '--backup-root', loop], io(listed))).not.toBe(ExitCode.ok);
    expect(listed.text).toContain(`A symbolic link on the way to the backup folder ${loop} (the folder itself or one it is in) leads back to itself or through too many links: it cannot be opened, so its backups cannot be listed.`);
    const verified = { text: '' };
    expect(await runCli(['verify', udid, '--backup-root', loop], io(verified))).not.toBe(ExitCode.ok);
    expect(verified.text).toContain(`"${udid}" is not a backup folder. A symbolic link on the way to the backup folder ${loop} (the folder itself or one it is in) leads back to itself or through too many links: it cannot be opened, so the history of the backups in it cannot be read.`);
    for (const said of [listed.text, verified.text]) expect(said).not.toMatch(/is not there|plug the disk in/);
  });

  it.runIf(process.platform === 'linux')('backups with the platform default folder that cannot be opened says why, not "no backups yet"', async () => {
    const dataHome = path.join(base, 'xdg-file');
    fs.writeFileSync(dataHome, '');
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: (text) => void (stderr += text), env: { XDG_DATA_HOME: dataHome } };
    expect(await runCli(['backups'], io)).not.toBe(ExitCode.ok);
    expect(stderr).toContain(`Part of the path to the backup folder ${path.join(dataHome, 'Lifeboat', 'Backup')} is a file, not a folder, so its backups cannot be listed.`);
  });

  it('delete and browse make nothing either', async () => {
    expect((await run(['delete', udid, '--yes'])).code).toBe(ExitCode.backupNotFound);
    const browse = await run(['browse', path.join(elsewhere, '.lifeboat', 'snapshots', udid, '20260101-000000')]);
    expect(browse.code).toBe(ExitCode.backupNotFound);
    expect(browse.stderr).toContain(`The backup folder ${root} is not there, and reading this earlier backup needs a copy of it made there. If it is on a disk, plug the disk in; a new backup makes it.`);
    expect(fs.existsSync(path.join(base, 'media'))).toBe(false);
  });
});
