import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { compareIosVersions, inspectRestoreSource } from '../../src/main/restore';
import { encodePlist } from '../../src/main/device/codec';
import { ManifestDbWriter } from '../../src/simulator/backup-format/manifest-db';
import { encryptedFixture, haveFixtures, mvtFixture } from '../backup/fixture-paths';

/** The restore's checks on the backup alone (protocol.md §7.3 step 1), made before any phone is touched. */
describe('restore source checks', () => {
  let work: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  function writeBackup(name: string, snapshotState: string, rows = 1): string {
    const folder = path.join(work, name);
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'Info.plist'), encodePlist({ 'Target Identifier': name }, 'xml'));
    fs.writeFileSync(path.join(folder, 'Manifest.plist'), encodePlist({ IsEncrypted: false, Lockdown: { ProductVersion: '17.4', UniqueDeviceID: 'ABCDEF' } }, 'binary'));
    fs.writeFileSync(path.join(folder, 'Status.plist'), encodePlist({ SnapshotState: snapshotState, BackupState: 'new', Version: '3.3' }, 'binary'));
    const writer = new ManifestDbWriter(path.join(folder, 'Manifest.db'));
    for (let row = 0; row < rows; row += 1) {
      const relativePath = row === 0 ? 'a.txt' : `file-${row}.txt`;
      const fileId = row === 0 ? 'a'.repeat(40) : row.toString(16).padStart(40, '0');
      writer.add({ fileId, domain: 'HomeDomain', relativePath, flags: 1, file: { relativePath, mode: 0o100644, inode: row + 1, uid: 501, gid: 501, mtime: 1, ctime: 1, birth: 1, size: 1234, protectionClass: 3 } });
    }
    writer.finish();
    return folder;
  }

  it('reads what the restore needs from a finished backup', async () => {
    const source = await inspectRestoreSource(writeBackup('finished', 'finished'), undefined);
    expect(source).toMatchObject({ udid: 'ABCDEF', productVersion: '17.4', encrypted: false, fileCount: 1, totalBytes: 1234 });
  });

  it('reads a big file list in turns of the event loop, so the phone\'s connection opens meanwhile, and stops on cancel', async () => {
    const folder = writeBackup('big', 'finished', 5000);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const source = await inspectRestoreSource(folder, undefined);
    // Without the turns the whole list was read in one go, before any I/O callback could run.
    expect(turned).toBe(true);
    expect(source).toMatchObject({ fileCount: 5000, totalBytes: 5000 * 1234 });
    const error = await inspectRestoreSource(folder, undefined, AbortSignal.abort()).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'cancelled')).toBe(true);
  });

  it('refuses an interrupted backup with a sentence', async () => {
    const error = await inspectRestoreSource(writeBackup('interrupted', 'uploading'), undefined).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'corrupt')).toBe(true);
    expect((error as Error).message).toMatch(/interrupted before it finished \(its state is "uploading"\)/);
  });

  it.skipIf(!haveFixtures)('refuses the partial mvt backup, naming the missing files', async () => {
    const error = await inspectRestoreSource(mvtFixture, undefined).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/Manifest\.plist, Status\.plist are missing/);
  });

  it.skipIf(!haveFixtures)('refuses the encrypted fixture, whose Status.plist is empty, as unfinished whatever the password', async () => {
    // §5.5: only SnapshotState "finished" restores; pyiosbackup's test data has an empty Status.plist.
    const error = await inspectRestoreSource(encryptedFixture, '0000').catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/its state is "unknown"/);
  });

  it('compares iOS versions numerically', () => {
    expect(compareIosVersions('17.10', '17.9')).toBeGreaterThan(0);
    expect(compareIosVersions('17.5', '17.5.0')).toBe(0);
    expect(compareIosVersions('9.3', '10.0')).toBeLessThan(0);
  });
});
