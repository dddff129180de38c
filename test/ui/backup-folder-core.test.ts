import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import type { Backends } from '../../src/main/core/backends';
import { AppErrorException, type BackupView, describeAppError } from '../../src/shared/contract';

/** A catalog that lists every `<folder>/<name>` holding an Info.plist, in the root and the added folders. */
function folderBackends(): Backends {
  const unused = async (): Promise<never> => {
    throw new Error('not used here');
  };
  return {
    backup: { runBackup: unused, getEncryption: unused, setEncryption: unused, changePassword: unused },
    openCatalog: async (root, extraFolders) => {
      const list = (): BackupView[] =>
        [root, ...extraFolders].flatMap((folder) =>
          (fs.existsSync(folder) ? fs.readdirSync(folder) : [])
            .filter((name) => fs.existsSync(path.join(folder, name, 'Info.plist')))
            .map((name) => ({ id: path.join(folder, name), udid: name, path: path.join(folder, name), createdAt: '2026-01-01T00:00:00Z', sizeBytes: 1, encrypted: false, archived: false, status: 'complete' as const })),
        );
      return {
        list: async () => ({ backups: list(), version: 0 }),
        findByPath: async (folder) => list().find((backup) => backup.path === folder),
        verify: unused,
        delete: unused,
        archive: unused,
        pathOf: async (id) => id,
        folderOf: async (id) => id,
        close: () => undefined,
      };
    },
  };
}

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppErrorException) return `${error.error.code}: ${error.error.message}`;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('changing the backup folder (core)', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-folder-core-'));
  const first = path.join(base, 'first');
  let core: AppCore;

  beforeAll(async () => {
    fs.mkdirSync(path.join(first, 'PHONE0001'), { recursive: true });
    fs.writeFileSync(path.join(first, 'PHONE0001', 'Info.plist'), 'x');
    core = await createAppCore({ muxAddress: `UNIX:${path.join(base, 'no-usbmuxd.sock')}`, backupRoot: first, settingsPath: path.join(base, 'settings.json'), backends: folderBackends() });
  });

  afterAll(async () => {
    await core?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('refuses relative folders with a sentence, whichever setting names them', async () => {
    expect(await failure(core.invoke('settings:set', { backupRoot: 'Backups' }))).toMatch(/^invalid-argument: The backup folder must be a full path/);
    expect(await failure(core.invoke('settings:set', { extraFolders: ['../elsewhere'] }))).toMatch(/^invalid-argument: An added backup folder must be a full path/);
    expect(await failure(core.invoke('settings:change-backup-root', { backupRoot: 'x', existing: 'keep' }))).toMatch(/^invalid-argument: The backup folder must be a full path/);
    expect((await core.invoke('settings:get', {})).backupRoot).toBe(first);
  });

  it('says what to do when the backup folder is left empty, is a file, or sits on a disk that is not there', async () => {
    // (What the bridge and Electron answer: the arguments' check fails before the core runs.)
    const empty = await core.invokeEnvelope('settings:set', { backupRoot: '' });
    expect(empty.ok ? 'saved' : `${empty.error.code}: ${describeAppError(empty.error)}`).toMatch(/^invalid-argument: The backup folder is empty\. Type a full path .* or use Choose… to pick a folder\.$/);
    const unplugged = path.join(base, 'no-such-disk', 'Backups');
    expect(await failure(core.invoke('settings:set', { backupRoot: unplugged }))).toBe(
      `invalid-argument: The backup folder ${unplugged} cannot be used: ${path.dirname(unplugged)} is not there. If it is on a disk, plug the disk in; otherwise create the folder first, or use Choose… to pick another.`,
    );
    expect(await failure(core.invoke('settings:change-backup-root', { backupRoot: unplugged, existing: 'keep' }))).toMatch(/cannot be used: .* is not there/);
    // Nothing was made on the computer's own disk in its place.
    expect(fs.existsSync(path.dirname(unplugged))).toBe(false);
    const file = path.join(base, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(await failure(core.invoke('settings:set', { backupRoot: file }))).toMatch(/^invalid-argument: The backup folder .*a-file is a file, not a folder\./);
    expect((await core.invoke('settings:get', {})).backupRoot).toBe(first);
  });

  it('keeps the old folder\'s backups listed when the backup folder changes (the history no longer goes empty)', async () => {
    const second = path.join(base, 'second');
    const settings = await core.invoke('settings:set', { backupRoot: second });
    expect(settings).toMatchObject({ backupRoot: second, extraFolders: [first] });
    expect((await core.invoke('backups:list', {})).map((backup) => backup.path)).toEqual([path.join(first, 'PHONE0001')]);
  });

  it('moves the backups when asked, and the old folder is no longer needed', async () => {
    const third = path.join(base, 'third');
    await core.invoke('settings:set', { backupRoot: first, extraFolders: [] });
    const progress: number[] = [];
    core.on('settings:move-progress', (step) => progress.push(step.moved));
    expect(await core.invoke('settings:change-backup-root', { backupRoot: third, existing: 'move' })).toMatchObject({ backupRoot: third, extraFolders: [] });
    expect(progress).toEqual([0, 1]);
    expect((await core.invoke('backups:list', {})).map((backup) => backup.path)).toEqual([path.join(third, 'PHONE0001')]);
    expect(fs.existsSync(path.join(first, 'PHONE0001'))).toBe(false);
  });

  it('lists folders for the web chooser only inside the allowed places', async () => {
    const listing = await core.invoke('folders:list', { path: base });
    expect(listing.folders.map((folder) => folder.name)).toEqual(expect.arrayContaining(['first', 'third']));
    expect(await failure(core.invoke('folders:list', { path: '/proc' }))).toMatch(/^invalid-argument: Lifeboat does not show \/proc here/);
    expect(await core.invoke('folders:pick', {})).toEqual({ native: false });
  });
});
