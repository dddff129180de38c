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

  it('says the reference is not in the history and does not make the folder or its catalog', async () => {
    await expect(resolveBackupReference('00008110-000A1B2C3D4E801E', { backupRoot: root })).rejects.toThrow(
      `"00008110-000A1B2C3D4E801E" is neither a backup folder nor a backup id or iPhone UDID in the history at ${root}.`,
    );
    expect(fs.readdirSync(base)).toEqual([]);
  });
});
