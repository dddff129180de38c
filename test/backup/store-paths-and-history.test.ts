import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import {
  BACKUP_ROOT_ENV,
  ConfinedPaths,
  type BackupSnapshot,
  applyJournal,
  completeBackupFolder,
  defaultBackupRoot,
  listSnapshots,
  nodeStoreFs,
  openBackupRun,
  recoverStore,
  resolveBackupRoot,
  snapshotsToPrune,
  storeLayout,
  writeJournal,
} from '../../src/main/backup/store';
import { encodeBinaryPlist } from '../../src/main/device/codec';
import { hashTree } from './engine-helpers';

const UDID = '00008110-000A1B2C3D4E801E';

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

function makeBackup(folder: string, date: string, content: string): void {
  fs.mkdirSync(path.join(folder, 'ab'), { recursive: true });
  fs.writeFileSync(path.join(folder, 'ab', 'ab12'), content);
  fs.writeFileSync(path.join(folder, 'Status.plist'), encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date(date) }));
}

describe('ConfinedPaths', () => {
  it('maps <UDID>/… into the run folder and refuses everything else', () => {
    const paths = new ConfinedPaths(UDID, path.join(base, 'staging'));
    expect(paths.resolve(UDID)).toBe(path.join(base, 'staging'));
    expect(paths.resolve(`${UDID}/Snapshot/ab/abcd`)).toBe(path.join(base, 'staging', 'Snapshot', 'ab', 'abcd'));
    expect(paths.resolve(`${UDID}/Snapshot/`)).toBe(path.join(base, 'staging', 'Snapshot'));
    const refused = [
      '', '/etc/passwd', `${UDID}/../x`, `${UDID}/a/../../x`, `${UDID}/./x`, `${UDID}//x`, '..', `OTHER/${UDID}`, `${UDID}-copy/x`,
      `${UDID}\\..\\x`, `${UDID}/a\0b`, 'C:/Windows', `${UDID}/${'a'.repeat(256)}`, `${UDID}/${'a/'.repeat(2100)}`,
    ];
    for (const devicePath of refused) {
      let error: unknown;
      try {
        paths.resolve(devicePath);
      } catch (caught) {
        error = caught;
      }
      expect(isBackupError(error, 'hostile-path'), JSON.stringify(devicePath)).toBe(true);
    }
  });

  it('refuses names Windows cannot hold: a trailing dot or space, and device names with any extension', () => {
    const paths = new ConfinedPaths(UDID, path.join(base, 'staging'));
    const refused = [
      'CON', 'con', 'NUL', 'nul.txt', 'CON.txt', 'Con.tar.gz', 'PRN', 'AUX.h', 'COM1', 'com9.log', 'LPT1', 'lpt3.txt', 'COM¹', 'CONIN$', 'conout$',
      'CON .txt', 'name.', 'name ', 'dir./x', 'dir /x', 'a..',
    ];
    for (const name of refused) {
      const devicePath = name.includes('/') ? `${UDID}/${name}` : `${UDID}/Library/${name}`;
      expect(() => paths.resolve(devicePath), JSON.stringify(devicePath)).toThrow(/Windows/);
      expect(() => paths.resolve(`${devicePath}/`), JSON.stringify(devicePath)).toThrow(/Windows/);
    }
    // Names that only start like a device name are ordinary files.
    for (const name of ['CONSOLE', 'con_1', 'COM10', 'LPT', 'nullable.txt', 'a.b', '.hidden', 'AUXILIARY.db', 'x.CON']) {
      expect(paths.resolve(`${UDID}/Library/${name}`)).toBe(path.join(base, 'staging', 'Library', name));
    }
  });

  it('gives the same answer as a plain reading of the rules, for plain and odd paths alike', () => {
    const staging = path.join(base, 'staging');
    const paths = new ConfinedPaths(UDID, staging);
    /** The rules of ConfinedPaths.resolve, written out the slow way. */
    const reference = (devicePath: string): string | 'refused' => {
      if (devicePath === '' || Buffer.byteLength(devicePath) > 4096 || /[\0\\]/.test(devicePath) || devicePath.startsWith('/') || /^[A-Za-z]:/.test(devicePath)) return 'refused';
      const parts = devicePath.split('/');
      if (parts.length > 1 && parts.at(-1) === '') parts.pop();
      if (parts.some((part) => part === '' || part === '.' || part === '..' || Buffer.byteLength(part) > 255)) return 'refused';
      if (parts.some((part) => /[. ]$/.test(part) || ['CON', 'PRN', 'AUX', 'NUL', 'COM1', 'LPT2'].includes(part.toUpperCase().split('.')[0]!.trimEnd()))) return 'refused';
      return parts[0] === UDID ? path.join(staging, ...parts.slice(1)) : 'refused';
    };
    const alphabet = ['a', 'b', '0', '9', '_', '-', '.', '..', '/', '/', '\\', '\0', 'é', ':', 'C:', ' ', UDID, 'con', 'NUL', 'Com1', 'lpt2', '.txt'];
    let state = 12345;
    const next = (limit: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % limit;
    };
    for (let sample = 0; sample < 5000; sample += 1) {
      let devicePath = next(4) === 0 ? '' : `${UDID}/`;
      const length = next(12);
      for (let index = 0; index < length; index += 1) devicePath += alphabet[next(alphabet.length)];
      if (next(20) === 0) devicePath += 'x'.repeat(250 + next(10));
      let actual: string;
      try {
        actual = paths.resolve(devicePath);
      } catch (error) {
        if (!isBackupError(error, 'hostile-path')) throw error;
        actual = 'refused';
      }
      expect(actual, JSON.stringify(devicePath)).toBe(reference(devicePath));
    }
  });

  it('accepts an extra folder (a restore copy) only by its exact name', () => {
    const paths = new ConfinedPaths(UDID, path.join(base, 'a'), new Map([[`${UDID}-20250101-000000`, path.join(base, 'b')]]));
    expect(paths.resolve(`${UDID}-20250101-000000/Info.plist`)).toBe(path.join(base, 'b', 'Info.plist'));
    expect(() => paths.resolve(`${UDID}-20250101-000001/Info.plist`)).toThrow(/outside/);
  });

  it('refuses a path through a symbolic link, even one that points back inside', async () => {
    const dir = path.join(base, 'staging');
    fs.mkdirSync(path.join(dir, 'real'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    fs.symlinkSync('/etc/hostname', path.join(dir, 'file-link'));
    const paths = new ConfinedPaths(UDID, dir);
    await expect(paths.resolveChecked(`${UDID}/link/x`)).rejects.toMatchObject({ code: 'hostile-path' });
    await expect(paths.resolveChecked(`${UDID}/file-link`)).rejects.toMatchObject({ code: 'hostile-path' });
    await expect(paths.resolveChecked(`${UDID}/real/new/deeper`)).resolves.toBe(path.join(dir, 'real', 'new', 'deeper'));
  });
});

describe('backup root', () => {
  it('takes the option, then LIFEBOAT_BACKUP_ROOT, then the platform default', () => {
    expect(resolveBackupRoot('/x/y', { [BACKUP_ROOT_ENV]: '/env' })).toBe('/x/y');
    expect(resolveBackupRoot(undefined, { [BACKUP_ROOT_ENV]: '/env' })).toBe('/env');
    expect(defaultBackupRoot('darwin', {}, '/Users/a')).toBe('/Users/a/Library/Application Support/MobileSync/Backup');
    expect(defaultBackupRoot('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'C:\\Users\\a')).toBe('C:\\Users\\a\\AppData\\Roaming\\Apple Computer\\MobileSync\\Backup');
    expect(defaultBackupRoot('linux', {}, '/home/a')).toBe('/home/a/.local/share/Lifeboat/Backup');
  });
});

describe('runs, commits and crash recovery', () => {
  it('stages into an empty folder, and commit makes the old backup a snapshot without changing a byte', async () => {
    const root = path.join(base, 'root');
    const current = path.join(root, UDID);
    makeBackup(current, '2025-03-04T05:06:07Z', 'old');
    const before = hashTree(current);
    const inode = fs.statSync(path.join(current, 'ab', 'ab12')).ino;
    const run = await openBackupRun(root, UDID);
    // Reverse deltas: nothing of the previous backup is cloned (store-reverse-delta.test.ts).
    expect(fs.readdirSync(run.staging)).toEqual([]);
    await expect(openBackupRun(root, UDID)).rejects.toMatchObject({ code: 'busy' });
    fs.writeFileSync(path.join(run.staging, 'new-file'), 'new');
    const snapshot = await run.commit();
    expect(snapshot).toBe(path.join(root, '.lifeboat', 'snapshots', UDID, '20250304-050607'));
    expect(hashTree(await completeBackupFolder(snapshot as string, root))).toEqual(before);
    expect(fs.statSync(path.join(current, 'ab', 'ab12')).ino).toBe(inode);
    expect(fs.readFileSync(path.join(current, 'new-file'), 'utf8')).toBe('new');
    const listed = await listSnapshots(root, UDID);
    expect(listed.map((s) => [s.id, s.isCurrent])).toEqual([['current', true], ['20250304-050607', false]]);
  });

  it('a discarded run leaves nothing behind', async () => {
    const root = path.join(base, 'root');
    makeBackup(path.join(root, UDID), '2025-03-04T05:06:07Z', 'old');
    const before = hashTree(path.join(root, UDID));
    const run = await openBackupRun(root, UDID);
    // Through the store, a write replaces the shared link instead of writing into it.
    await nodeStoreFs.writeFile(path.join(run.staging, 'Status.plist'), Buffer.from('half'));
    expect(hashTree(path.join(root, UDID))).toEqual(before);
    await run.discard();
    expect(hashTree(path.join(root, UDID))).toEqual(before);
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging'))).toEqual([]);
  });

  for (const crashAfter of ['journal', 'first-rename'] as const) {
    it(`finishes a commit that crashed after the ${crashAfter}`, async () => {
      const root = path.join(base, 'root');
      const layout = storeLayout(root);
      const current = layout.current(UDID);
      makeBackup(current, '2025-01-01T00:00:00Z', 'old');
      const oldHash = hashTree(current);
      const staging = layout.staging(UDID, 'crashed');
      makeBackup(staging, '2025-01-02T00:00:00Z', 'new');
      const newHash = hashTree(staging);
      const snapshot = path.join(layout.snapshots(UDID), '20250101-000000');
      await writeJournal(layout, { version: 1, udid: UDID, staging, snapshot });
      if (crashAfter === 'first-rename') {
        fs.mkdirSync(path.dirname(snapshot), { recursive: true });
        fs.renameSync(current, snapshot);
        expect(fs.existsSync(current)).toBe(false);
      }
      await recoverStore(root, UDID);
      expect(hashTree(current)).toEqual(newHash);
      expect(hashTree(snapshot)).toEqual(oldHash);
      expect(fs.existsSync(layout.journal(UDID))).toBe(false);
      // Applying it again is harmless.
      await applyJournal(layout, { version: 1, udid: UDID, staging, snapshot });
      expect(hashTree(current)).toEqual(newHash);
    });
  }

  it('takes over the run lock of a dead process and deletes its staging', async () => {
    const root = path.join(base, 'root');
    const layout = storeLayout(root);
    makeBackup(layout.current(UDID), '2025-01-01T00:00:00Z', 'old');
    fs.mkdirSync(path.dirname(layout.runLock(UDID)), { recursive: true });
    fs.writeFileSync(layout.runLock(UDID), '999999999');
    fs.mkdirSync(layout.staging(UDID, 'dead'), { recursive: true });
    const run = await openBackupRun(root, UDID);
    expect(fs.readdirSync(layout.stagingParent())).toEqual([path.basename(run.staging)]);
    await run.discard();
  });
});

describe('retention', () => {
  const snapshot = (id: string, iso: string): BackupSnapshot => ({ id, path: `/x/${id}`, date: new Date(iso), isCurrent: false });
  const history = [
    { id: 'current', path: '/x', date: new Date('2025-05-05T12:00:00Z'), isCurrent: true },
    snapshot('a', '2025-05-05T10:00:00Z'),
    snapshot('b', '2025-05-05T09:00:00Z'),
    snapshot('c', '2025-05-04T22:00:00Z'),
    snapshot('d', '2025-05-04T08:00:00Z'),
    snapshot('e', '2025-05-01T08:00:00Z'),
  ];

  it('keeps everything without a policy, and never the current backup', () => {
    expect(snapshotsToPrune(history, {})).toEqual([]);
    expect(snapshotsToPrune(history, { keepLast: 0 }).map((s) => s.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps the last N', () => {
    expect(snapshotsToPrune(history, { keepLast: 2 }).map((s) => s.id)).toEqual(['c', 'd', 'e']);
  });

  it('keeps one per day for the last N days, combined with keepLast', () => {
    expect(snapshotsToPrune(history, { keepDaily: 2 }).map((s) => s.id)).toEqual(['b', 'd', 'e']);
    expect(snapshotsToPrune(history, { keepDaily: 3, keepLast: 2 }).map((s) => s.id)).toEqual(['d']);
  });
});
