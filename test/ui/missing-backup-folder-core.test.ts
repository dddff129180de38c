import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import { BackupRootCheck } from '../../src/main/core/backup-root-check';
import { createRealBackends } from '../../src/main/core/real-backends';
import { AppErrorException, type SettingsView } from '../../src/shared/contract';

/** Every file and folder below `folder`, relative to it. */
function tree(folder: string): string[] {
  return fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort();
}

/**
 * Issue 12: a backup folder chosen on a disk that is later unplugged. The core (real catalog) must
 * not make the folder again on the computer's own disk, nor write its history anywhere else; it
 * says the folder is not there, refuses backups with that sentence, and picks the folder up again
 * once the disk is back.
 */
describe('a saved backup folder on a disk that is not plugged in (core, real catalog)', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-missing-root-'));
  const disk = path.join(base, 'media', 'BackupDisk');
  const chosen = path.join(disk, 'iPhone Backups');
  const lifeboatDefault = path.join(base, 'home', 'Lifeboat Backups');
  const settingsPath = path.join(base, 'settings', 'settings.json');
  let core: AppCore;

  beforeAll(async () => {
    // Chosen while the disk was there; then the disk went away (its mount point with it).
    fs.mkdirSync(path.dirname(settingsPath), { recursive: true });
    fs.writeFileSync(settingsPath, JSON.stringify({ backupRoot: chosen, extraFolders: [], retention: { keepLast: 5 }, theme: 'system', devices: {} }));
    fs.mkdirSync(path.join(base, 'media'));
    core = await createAppCore({ muxAddress: `UNIX:${path.join(base, 'no-usbmuxd.sock')}`, backupRoot: lifeboatDefault, settingsPath, mode: 'web' });
  });

  afterAll(async () => {
    await core?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('does not make the folder or write its history anywhere, and says the folder is not there', async () => {
    expect(fs.existsSync(disk)).toBe(false);
    // Nothing written anywhere but the settings file that was there before.
    expect(tree(base)).toEqual(['media', 'settings', 'settings/settings.json']);
    const settings: SettingsView = await core.invoke('settings:get', {});
    expect(settings.backupRoot).toBe(chosen);
    expect(settings.backupRootMissing).toBe(
      `The backup folder ${chosen} is not there. If it is on a disk, plug the disk in; otherwise use Choose… in Settings to pick another. Lifeboat does not make it again on this computer's own disk.`,
    );
    expect(await core.invoke('backups:list', {})).toEqual([]);
  });

  it('refuses a backup with that sentence instead of making the folder', async () => {
    let message = '';
    try {
      await core.invoke('backup:start', { udid: '00008110-000A1B2C3D4E801E', full: false });
    } catch (error) {
      if (!(error instanceof AppErrorException)) throw error;
      message = `${error.error.code}: ${error.error.message}`;
    }
    expect(message).toMatch(/^not-found: The backup folder .* is not there\. If it is on a disk, plug the disk in/);
    expect(fs.existsSync(disk)).toBe(false);
    expect(fs.existsSync(lifeboatDefault)).toBe(false);
  });

  it('uses the folder again once the disk is back', async () => {
    fs.mkdirSync(chosen, { recursive: true });
    const changed = new Promise<SettingsView>((resolve) => {
      const off = core.on('settings:changed', (view) => {
        off();
        resolve(view);
      });
    });
    expect(await core.invoke('backups:list', {})).toEqual([]);
    expect((await changed).backupRootMissing).toBeUndefined();
    expect((await core.invoke('settings:get', {})).backupRootMissing).toBeUndefined();
    // The history is kept in the folder again.
    expect(fs.existsSync(path.join(chosen, '.lifeboat', 'catalog.db'))).toBe(true);
  });
});

/**
 * A backup folder on a network drive whose server stopped answering: the look at it (injected here,
 * as a stat on a real dead mount would hold a thread until the kernel gives up) never answers. The
 * core must still answer settings:get with a sentence, write nothing, refuse backups, and use the
 * folder again once the server answers.
 */
describe('a saved backup folder whose server does not answer (core, real catalog)', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-unanswering-root-'));
  const chosen = path.join(base, 'nas', 'iPhone Backups');
  const settingsPath = path.join(base, 'settings', 'settings.json');
  let looks = 0;
  /** Set when the server answers again: the held look answers, and every later one at once. */
  let serverBack = false;
  let answerHeldLook: ((there: boolean) => void) | undefined;
  /** How many times the core opened the catalog (a second open at once would leak the first). */
  let catalogOpens = 0;
  let core: AppCore;

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(settingsPath), { recursive: true });
    fs.writeFileSync(settingsPath, JSON.stringify({ backupRoot: chosen, extraFolders: [], retention: { keepLast: 5 }, theme: 'system', devices: {} }));
    fs.mkdirSync(chosen, { recursive: true });
    const probe = (): Promise<boolean> => {
      looks += 1;
      if (serverBack) return Promise.resolve(true);
      return new Promise((resolve) => {
        answerHeldLook = resolve;
      });
    };
    core = await createAppCore({
      muxAddress: `UNIX:${path.join(base, 'no-usbmuxd.sock')}`,
      backupRoot: path.join(base, 'home', 'Lifeboat Backups'),
      settingsPath,
      mode: 'web',
      backupRootCheck: new BackupRootCheck(probe, 50),
      backends: countingCatalogOpens(),
    });
  });

  afterAll(async () => {
    await core?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('answers settings:get with the sentence instead of waiting, looking only once while the look is out', async () => {
    const unreachable = `The backup folder ${chosen} cannot be reached right now: its disk or server did not answer. Check the network drive or its connection; Lifeboat writes nothing there until it answers and uses it again as soon as it does.`;
    expect((await core.invoke('settings:get', {})).backupRootMissing).toBe(unreachable);
    expect((await core.invoke('settings:get', {})).backupRootMissing).toBe(unreachable);
    expect(looks).toBe(1);
    // The catalog did not look in (or write to) the folder either.
    expect(tree(chosen)).toEqual([]);
  });

  it('keeps the folder chooser away from the folder and its parent while it does not answer (their synchronous listing would freeze the window)', async () => {
    const listing = await core.invoke('folders:list', {});
    expect(listing.roots).not.toContain(chosen);
    expect(listing.roots).not.toContain(path.dirname(chosen));
    for (const folder of [chosen, path.dirname(chosen), path.join(chosen, 'inside')]) {
      await expect(core.invoke('folders:list', { path: folder })).rejects.toThrow(/did not answer\. Choose a folder somewhere else\./);
    }
  });

  it('refuses a backup and an archive into the folder with that sentence', async () => {
    const refusal = async (channel: 'backup:start' | 'backups:archive', args: object): Promise<string> => {
      try {
        await core.invoke(channel, args);
      } catch (error) {
        if (!(error instanceof AppErrorException)) throw error;
        return `${error.error.code}: ${error.error.message}`;
      }
      return 'not refused';
    };
    expect(await refusal('backup:start', { udid: '00008110-000A1B2C3D4E801E', full: false })).toMatch(/^io: The backup folder .* cannot be reached right now/);
    expect(await refusal('backups:archive', { backupId: 'b0' })).toMatch(/^io: The backup folder .* cannot be reached right now/);
    expect(tree(chosen)).toEqual([]);
  });

  it('uses the folder again once the server answers', async () => {
    serverBack = true;
    answerHeldLook?.(true);
    // A moment later someone looks at the list.
    await new Promise((resolve) => setImmediate(resolve));
    const changed = new Promise<SettingsView>((resolve) => {
      const off = core.on('settings:changed', (view) => {
        off();
        resolve(view);
      });
    });
    // The window and the web bridge ask at the same moment: the catalog is opened again once.
    const [fromWindow, fromBridge, list] = await Promise.all([core.invoke('settings:get', {}), core.invoke('settings:get', {}), core.invoke('backups:list', {})]);
    expect(list).toEqual([]);
    expect(fromWindow.backupRootMissing).toBeUndefined();
    expect(fromBridge.backupRootMissing).toBeUndefined();
    expect(catalogOpens).toBe(2);
    expect((await changed).backupRootMissing).toBeUndefined();
    expect(fs.existsSync(path.join(chosen, '.lifeboat', 'catalog.db'))).toBe(true);
  });

  function countingCatalogOpens(): ReturnType<typeof createRealBackends> {
    const real = createRealBackends();
    return {
      ...real,
      openCatalog: (...args) => {
        catalogOpens += 1;
        return real.openCatalog(...args);
      },
    };
  }
});

/**
 * A saved backup folder this user may not use (EACCES, EPERM), on a disk that can only be read (EROFS)
 * or whose disk reports an error (EIO):
 * each gets its own true sentence, not "did not answer" (issue 16's review). Backups stay refused
 * and nothing is written. The look is injected: the tests run as root, whom permissions do not stop.
 */
describe.each([
  ['EACCES', /^io: Lifeboat is not allowed to read and write the backup folder .*\. Give your user account permission/],
  ['EPERM', /^io: Lifeboat is not allowed to read and write the backup folder .*\. Give your user account permission/],
  ['EIO', /^io: The disk that holds the backup folder .* reported an error when Lifeboat looked at it\./],
  ['EROFS', /^io: The backup folder .* is on a disk that can only be read, so Lifeboat cannot back up into it\./],
])('a saved backup folder whose look fails with %s (core, real catalog)', (code, sentence) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-unusable-root-'));
  const chosen = path.join(base, 'disk', 'iPhone Backups');
  const settingsPath = path.join(base, 'settings', 'settings.json');
  let core: AppCore;

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(settingsPath), { recursive: true });
    fs.writeFileSync(settingsPath, JSON.stringify({ backupRoot: chosen, extraFolders: [], retention: { keepLast: 5 }, theme: 'system', devices: {} }));
    fs.mkdirSync(chosen, { recursive: true });
    const probe = (): Promise<boolean> => Promise.reject(Object.assign(new Error(code), { code }));
    core = await createAppCore({
      muxAddress: `UNIX:${path.join(base, 'no-usbmuxd.sock')}`,
      backupRoot: path.join(base, 'home', 'Lifeboat Backups'),
      settingsPath,
      mode: 'web',
      backupRootCheck: new BackupRootCheck(probe, 60_000),
    });
  });

  afterAll(async () => {
    await core?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('says so in its own sentence, refuses a backup and an archive with it, and writes nothing', async () => {
    const missing = (await core.invoke('settings:get', {})).backupRootMissing ?? '';
    expect(`io: ${missing}`).toMatch(sentence);
    expect(missing).not.toMatch(/did not answer/);
    for (const [channel, args] of [['backup:start', { udid: '00008110-000A1B2C3D4E801E', full: false }], ['backups:archive', { backupId: 'b0' }]] as const) {
      let message = 'not refused';
      try {
        await core.invoke(channel, args);
      } catch (error) {
        if (!(error instanceof AppErrorException)) throw error;
        message = `${error.error.code}: ${error.error.message}`;
      }
      expect(message).toMatch(sentence);
    }
    expect(tree(chosen)).toEqual([]);
    expect(fs.existsSync(path.join(base, 'home'))).toBe(false);
  });
});
