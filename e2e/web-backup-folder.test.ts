import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../src/main/core/app-core';
import { haveFixtures, mvtFixture } from '../test/backup/fixture-paths';
import { checkScreen } from './web-a11y';
import { HAS_CHROMIUM, nextJobFinished, SIZES, STEP_MS, startWebApp, type WebApp } from './web-helpers';

/**
 * Folders chosen, not typed (web mode): a relative folder is refused with a sentence; the web
 * folder chooser walks the folders the main side lists; changing the backup folder moves the
 * backups (a move that fails half-way loses nothing and leaves every backup listed) or keeps them
 * where they are, and the history still shows them either way.
 */
describe.skipIf(!HAS_CHROMIUM || !haveFixtures)('browser mode: choosing and moving the backup folder', () => {
  let app: WebApp;
  let core: AppCore;
  let page: Page;
  let udid: string;
  let work: string;

  beforeAll(async () => {
    app = await startWebApp();
    ({ core, page } = app);
    udid = app.device.udid;
    work = app.harness.workDir;
  });

  afterAll(async () => {
    await app?.close();
  });

  async function backUp(): Promise<void> {
    const finished = nextJobFinished(core, 'backup');
    await core.invoke('backup:start', { udid });
    expect((await finished).outcome).toBe('succeeded');
  }

  /** Settings › Choose… › walk to `folder` (a sub-folder of the work folder) in the web chooser. */
  async function chooseInWebChooser(folder: string, shots?: string): Promise<void> {
    await page.getByTestId('choose-backup-folder').click();
    const chooser = page.getByTestId('folder-chooser');
    await chooser.waitFor({ timeout: STEP_MS });
    await chooser.getByTestId('folder-current').filter({ hasText: path.basename(app.backupRoot) }).waitFor({ timeout: STEP_MS });
    await chooser.getByRole('button', { name: 'Up', exact: true }).click();
    await chooser.getByTestId('folder-current').filter({ hasText: path.basename(work) }).waitFor({ timeout: STEP_MS });
    if (shots) await checkScreen(page, 'settings', shots);
    await chooser.getByRole('button', { name: path.basename(folder), exact: true }).click();
    await chooser.getByTestId('folder-current').filter({ hasText: path.basename(folder) }).waitFor({ timeout: STEP_MS });
    await chooser.getByRole('button', { name: 'Choose This Folder' }).click();
    await page.getByTestId('backup-folder-change').waitFor({ timeout: STEP_MS });
  }

  it('refuses a relative backup folder with a sentence', async () => {
    await core.invoke('devices:pair', { udid });
    await backUp();
    await backUp();
    await page.goto(app.bridge.url);
    await page.getByRole('button', { name: 'Settings' }).click();
    const folder = page.getByLabel('Backup folder');
    await folder.fill('Backups');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ timeout: STEP_MS });
    expect(await banner.textContent()).toMatch(/The backup folder must be a full path from the top of the disk.*"Backups" is not/);
    expect((await core.invoke('settings:get', {})).backupRoot).toBe(app.backupRoot);
    await folder.fill(app.backupRoot);
  });

  it('keeps as many monthly backups as the person sets, and none to keep when every backup is kept', async () => {
    const recent = page.getByLabel('Keep this many older backups per iPhone (empty keeps all)');
    const monthly = page.getByLabel('Also keep one backup a month for this many months (0 for none)');
    expect(await monthly.inputValue()).toBe('12');
    await recent.fill('3');
    await monthly.fill('6');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: STEP_MS });
    expect((await core.invoke('settings:get', {})).retention).toEqual({ keepLast: 3, keepMonthly: 6 });
    await checkScreen(page, 'settings', 'retention');
    // Keeping every backup leaves nothing for the monthly count to say.
    await recent.fill('');
    expect(await monthly.isDisabled()).toBe(true);
    await recent.fill('10');
    await monthly.fill('12');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await core.invoke('settings:get', {})).retention, { timeout: STEP_MS }).toEqual({ keepLast: 10, keepMonthly: 12 });
  });

  it('moves the backups to a chosen folder; one that cannot move stays, and every backup is still listed', async () => {
    // Another tool's backup beside the phone's, and a folder of its name already in the new place:
    // the phone's backup (and its snapshot) moves, the other one cannot, half-way through.
    fs.cpSync(mvtFixture, path.join(app.backupRoot, 'mvt-ios-backup'), { recursive: true });
    const moved = path.join(work, 'moved');
    fs.mkdirSync(path.join(moved, 'mvt-ios-backup'), { recursive: true });
    fs.writeFileSync(path.join(moved, 'mvt-ios-backup', 'notes.txt'), 'someone else’s folder');
    await core.invoke('backups:list', {});
    const before = (await core.invoke('backups:list', {})).length;

    await chooseInWebChooser(moved, 'folder-chooser');
    const dialog = page.getByTestId('backup-folder-change');
    await checkScreen(page, 'settings', 'move-or-keep');
    // At 800×600, where the dialog is taller than the window: its error must come into view.
    await page.setViewportSize(SIZES[0]);
    await dialog.getByRole('button', { name: 'Move Backups' }).click();
    const error = page.getByRole('dialog').getByTestId('dialog-error');
    await error.waitFor({ timeout: STEP_MS });
    // (A string: the node tsconfig has no DOM types.)
    const errorInView = `(() => {
      const dialog = document.querySelector('dialog[open]').getBoundingClientRect();
      const shown = document.querySelector('dialog[open] [data-testid="dialog-error"]').getBoundingClientRect();
      return shown.top >= dialog.top && shown.bottom <= Math.min(dialog.bottom, window.innerHeight);
    })()`;
    await expect.poll(() => page.evaluate<boolean>(errorInView), { timeout: STEP_MS }).toBe(true);
    expect(await error.textContent()).toMatch(/Moving mvt-ios-backup stopped \(a folder named mvt-ios-backup is already in .*moved\).*Both folders are listed/);
    await checkScreen(page, 'settings', 'move-stopped');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    const settings = await core.invoke('settings:get', {});
    expect(settings).toMatchObject({ backupRoot: moved, extraFolders: [app.backupRoot] });
    expect(fs.existsSync(path.join(moved, udid, 'Manifest.db'))).toBe(true);
    expect(fs.readdirSync(path.join(moved, '.lifeboat', 'snapshots', udid))).toHaveLength(1);
    expect(fs.existsSync(path.join(app.backupRoot, udid))).toBe(false);
    expect(fs.existsSync(path.join(app.backupRoot, 'mvt-ios-backup', 'Manifest.db'))).toBe(true);
    expect(fs.readFileSync(path.join(moved, 'mvt-ios-backup', 'notes.txt'), 'utf8')).toBe('someone else’s folder');
    const after = await core.invoke('backups:list', {});
    expect(after).toHaveLength(before);
    expect(after.filter((backup) => backup.udid === udid).every((backup) => backup.path.startsWith(moved))).toBe(true);
    await page.getByTestId('added-folders').filter({ hasText: app.backupRoot }).waitFor({ timeout: STEP_MS });
  });

  it('keeps the backups where they are as an added folder, and the history still shows them', async () => {
    const kept = path.join(work, 'kept');
    fs.mkdirSync(kept);
    const moved = path.join(work, 'moved');
    await page.getByLabel('Backup folder').fill(kept);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const dialog = page.getByTestId('backup-folder-change');
    await dialog.waitFor({ timeout: STEP_MS });
    await dialog.getByRole('radio', { name: /Keep them where they are/ }).check();
    await dialog.getByRole('button', { name: 'Change Folder' }).click();
    await dialog.waitFor({ state: 'detached', timeout: STEP_MS });
    expect(await core.invoke('settings:get', {})).toMatchObject({ backupRoot: kept, extraFolders: [app.backupRoot, moved] });

    await page.getByTestId('device-item').first().click();
    // The bug this fixes: the history said "No backups yet" while the summary named a latest backup.
    await expect.poll(() => page.getByTestId('backup-row').count(), { timeout: STEP_MS }).toBeGreaterThan(0);
    expect(await page.getByText('No backups yet.').count()).toBe(0);
  });

  it('opens the chooser at the nearest parent of a saved folder whose disk is gone, with no error', async () => {
    const kept = path.join(work, 'kept');
    const away = path.join(work, 'kept-unplugged');
    // The disk is unplugged: the folder is gone with it.
    fs.renameSync(kept, away);
    try {
      await page.goto(app.bridge.url);
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByTestId('backup-folder-missing').waitFor({ timeout: STEP_MS });
      await page.getByTestId('choose-backup-folder').click();
      const chooser = page.getByTestId('folder-chooser');
      await chooser.getByTestId('folder-current').filter({ hasText: path.basename(work) }).waitFor({ timeout: STEP_MS });
      expect(await chooser.getByTestId('folder-current').getAttribute('title')).toBe(fs.realpathSync(work));
      // Before, the chooser opened on "The folder … does not exist. Refresh the list and try again."
      expect(await page.getByTestId('dialog-error').count()).toBe(0);
      expect(await page.getByTestId('error-banner').count()).toBe(0);
      await page.keyboard.press('Escape');
      await chooser.waitFor({ state: 'detached', timeout: STEP_MS });
      // Nothing made in its place on this computer's disk (the device page's restore check had made
      // `<folder>/.lifeboat/catalog.db` again).
      expect(fs.existsSync(kept)).toBe(false);
    } finally {
      fs.renameSync(away, kept);
    }
  });
});
