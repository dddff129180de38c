import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveBackupReference } from '../../src/main/browser/resolve-backup';

/** Issue 12 for restores: naming a backup in a folder whose disk is unplugged must write nothing. */
describe('resolveBackupReference with a backup folder that is not there', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-resolve-missing-'));
  const root = path.join(base, 'media', 'BackupDisk', 'iPhone Backups');

  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('says the backup folder is not there and does not make it or its catalog', async () => {
    await expect(resolveBackupReference('00008110-000A1B2C3D4E801E', { backupRoot: root })).rejects.toThrow(
      `"00008110-000A1B2C3D4E801E" is not a backup folder. The backup folder ${root} is not there, so the history of the backups in it cannot be read. If it is on a disk, plug the disk in; otherwise name the backup by its folder.`,
    );
    expect(fs.readdirSync(base)).toEqual([]);
  });
});
