import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeBackupFolder } from '../../src/main/backup/store';
import { writeGoodBackup } from './hostile-backups';

/**
 * Reading an earlier (reverse-delta) backup whole needs a copy made in the backup folder
 * (completeBackupFolder). When that folder cannot be opened, the sentence says why as the system
 * did: not there (a disk unplugged), a path through a file, not allowed, a link that loops on the
 * way; "does not exist" was said of every one, sending people to look for a folder that is there.
 */
describe('completeBackupFolder with a backup folder that cannot be opened', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-copy-root-'));
  const udid = '00008110-000A1B2C3D4E801E';
  const snapshot = path.join(base, 'elsewhere', '.lifeboat', 'snapshots', udid, '20260101-000000');

  beforeAll(async () => {
    await writeGoodBackup(snapshot, udid);
    fs.writeFileSync(path.join(snapshot, '.lifeboat-delta.json'), JSON.stringify({ version: 1, added: [] }));
  });
  afterAll(() => {
    fs.chmodSync(base, 0o700);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('says a folder that is not there is not there, and to plug its disk in', async () => {
    await expect(completeBackupFolder(snapshot, path.join(base, 'unplugged', 'iPhone Backups'))).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/is not there, and reading this earlier backup needs a copy of it made there\. If it is on a disk, plug the disk in; a new backup makes it\./),
    });
  });

  it('does not promise that a backup makes a folder that none makes again (one chosen in the app)', async () => {
    const chosen = path.join(base, 'unplugged', 'Chosen Backups');
    await expect(completeBackupFolder(snapshot, chosen, { ownRootMadeByBackup: false })).rejects.toMatchObject({
      code: 'not-found',
      message: `The backup folder ${chosen} is not there, and reading this earlier backup needs a copy of it made there. If it is on a disk, plug the disk in; otherwise choose another backup folder: Lifeboat does not make this one again. Nothing was written.`,
    });
  });

  it('says a path through a file is one, and neither that it is not there nor that a backup makes it', async () => {
    const file = path.join(base, 'a-file');
    fs.writeFileSync(file, '');
    const error = await completeBackupFolder(snapshot, path.join(file, 'iPhone Backups')).then(() => new Error('no error'), (caught: unknown) => caught as Error);
    expect(error).toMatchObject({ code: 'io', message: expect.stringMatching(/^Part of the path to the backup folder .*a-file\/iPhone Backups is a file, not a folder/) });
    expect(error.message).not.toMatch(/is not there|a new backup makes it/);
  });

  it('says a link that loops on the way to the folder loops, without saying the folder itself is the link', async () => {
    const loopAbove = path.join(base, 'loop-above');
    fs.symlinkSync(loopAbove, loopAbove);
    await expect(completeBackupFolder(snapshot, path.join(loopAbove, 'iPhone Backups'))).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(/^A symbolic link on the way to the backup folder .*loop-above\/iPhone Backups \(the folder itself or one it is in\) leads back to itself/),
    });
  });

  it('says a folder that is a link to itself loops, not that it does not exist', async () => {
    const loop = path.join(base, 'loop');
    fs.symlinkSync(loop, loop);
    await expect(completeBackupFolder(snapshot, loop)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(/^A symbolic link on the way to the backup folder .*loop \(the folder itself or one it is in\) leads back to itself/),
    });
  });

  it.runIf(process.getuid?.() !== 0)('says a folder this account may not open is not allowed, not that it does not exist', async () => {
    const locked = path.join(base, 'locked');
    fs.mkdirSync(path.join(locked, 'iPhone Backups'), { recursive: true });
    fs.chmodSync(locked, 0o000);
    try {
      await expect(completeBackupFolder(snapshot, path.join(locked, 'iPhone Backups'))).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/^Lifeboat is not allowed to open the backup folder/) });
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });
});
