import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../src/main/core/app-core';
import type { WebBridge } from '../src/main/web';
import { openCatalog } from '../src/main/backup/catalog';
import type { SimHarness } from '../test/helpers/sim-harness';
import { HAS_CHROMIUM, nextJobFinished, SCREENSHOT_DIR, STEP_MS, startWebApp, type WebApp } from './web-helpers';

/**
 * The whole browser-mode flow against the virtual iPhone: the phone appears (toast), the person
 * trusts it, backs up with a live progress view, sees the backup in history, turns the Camera Roll
 * off, and the next backup leaves the Camera Roll out (checked in the catalog, not only on screen).
 */
describe.skipIf(!HAS_CHROMIUM)('browser mode: back up an iPhone', () => {
  let app: WebApp;
  let harness: SimHarness;
  let core: AppCore;
  let bridge: WebBridge;
  let page: Page;
  let udid: string;
  let backupRoot: string;

  beforeAll(async () => {
    // Unplugged until the page is open, so the "iPhone connected" toast has someone to see it.
    app = await startWebApp({ unplugged: true });
    ({ harness, core, bridge, page, backupRoot } = app);
    udid = app.device.udid;
  });

  afterAll(async () => {
    await app?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  it('refuses a page without the token', async () => {
    const response = await page.goto(`http://127.0.0.1:${bridge.port}/`);
    expect(response?.status()).toBe(403);
  });

  it('shows the phone when it is plugged in, then trusts it', async () => {
    await page.goto(bridge.url);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'Connect your iPhone' }).waitFor({ timeout: STEP_MS });
    await shot('01-empty');

    harness.sim.device(udid).plug();
    await page.getByTestId('toast').filter({ hasText: 'iPhone connected' }).waitFor({ timeout: STEP_MS });
    await page.getByTestId('trust-guidance').waitFor({ timeout: STEP_MS });
    await shot('02-trust-guidance');

    await page.getByRole('button', { name: 'Trust this computer' }).click();
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    await expect.poll(() => page.getByTestId('latest-backup').textContent()).toBe('Never');
    await shot('03-device-summary');
  });

  it('backs up with a progress view, and the backup appears in history', async () => {
    // Slow the cable so the progress view is on screen long enough to look at.
    harness.sim.device(udid).setFaults({ linkBytesPerSecond: 1_500_000 });
    await page.getByTestId('backup-now').click();
    await page.getByTestId('job-progress').waitFor({ timeout: STEP_MS });
    await page.getByTestId('job-percent').filter({ hasText: /^[1-9]\d*%$/ }).waitFor({ timeout: STEP_MS });
    await shot('04-backup-progress');
    // The page's result line says it; a toast repeating it beside it is noise (issue 12).
    await page.getByTestId('last-outcome').filter({ hasText: 'The last backup finished' }).waitFor({ timeout: STEP_MS * 2 });
    harness.sim.device(udid).setFaults({ linkBytesPerSecond: undefined });

    await page.getByTestId('backup-row').first().waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('backup-row').count()).toBe(1);
    expect(await page.getByTestId('latest-backup').textContent()).not.toBe('Never');
    // By now the core's notice has long arrived (it follows job:finished), and made no toast.
    expect(await page.getByTestId('toast').filter({ hasText: 'finished' }).count()).toBe(0);
    await shot('05-history');
  });

  it('leaves the Camera Roll out of the next backup once it is switched off', async () => {
    const toggle = page.getByTestId('camera-roll-switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    await page.locator('[data-testid="camera-roll-switch"][aria-checked="false"]').waitFor();
    // Wait on the core's event, not a toast: the first backup's toast may already have timed out.
    const finished = nextJobFinished(core);
    await page.getByTestId('backup-now').click();
    expect((await finished).outcome).toBe('succeeded');
    await expect.poll(() => page.getByTestId('backup-row').count(), { timeout: STEP_MS }).toBe(2);
    // Newest first: the new backup has no Camera Roll items ("Not included" once the engine's
    // sidecar marks it), the first one had them.
    expect(await page.getByTestId('camera-roll-cell').first().textContent()).toMatch(/^(Not included|None)$/);
    expect(await page.getByTestId('camera-roll-cell').nth(1).textContent()).toMatch(/^[1-9]\d* items$/);
    await shot('06-history-camera-roll-off');

    // The catalog agrees, independently of the UI.
    const catalog = openCatalog(backupRoot);
    try {
      await catalog.refresh();
      const mine = catalog.list({ udid }).filter((record) => record.location === 'root' || record.snapshotOf === udid);
      const newest = mine[0]!;
      expect(newest.photoCount).toBe(0);
      expect(mine.some((record) => (record.photoCount ?? 0) > 0)).toBe(true);
    } finally {
      catalog.close();
    }
  });

  it('imports the Camera Roll into a folder', async () => {
    const destination = path.join(harness.workDir, 'photos');
    const field = page.getByLabel('Import new photos and videos into');
    await field.fill(destination);
    await page.getByTestId('import-photos').click();
    await page.getByTestId('last-outcome').filter({ hasText: 'The last photo import finished' }).waitFor({ timeout: STEP_MS * 2 });
    const imported = fs.readdirSync(destination, { recursive: true }).map(String).filter((name) => /\.(jpe?g|heic|mov|mp4|png)$/i.test(name));
    expect(imported.length).toBeGreaterThan(0);
    await shot('07-photos-imported');
  });

  it('waits for a locked iPhone with a sentence and the next step, then backs up once it is unlocked', async () => {
    // The screen locks by itself: the phone sends no event, refuses the backup (208, protocol.md §7.2),
    // and Lifeboat reads the lock again and waits for the unlock instead of failing (issue 12).
    const device = harness.sim.device(udid);
    device.setFaults({ locked: true });
    const finished = nextJobFinished(core);
    await page.getByTestId('backup-now').click();
    await expect.poll(() => page.getByTestId('job-status').textContent(), { timeout: STEP_MS }).toBe('Waiting for you to unlock your iPhone');
    const guidance = page.getByTestId('unlock-guidance');
    await guidance.waitFor({ timeout: STEP_MS });
    expect(await guidance.textContent()).toMatch(/starts by itself as soon as you do/);
    await shot('08-locked-waiting');

    // Unlocked on the phone; nobody touches the app: the same backup goes on and finishes.
    device.setFaults({ locked: false });
    expect(await finished).toMatchObject({ kind: 'backup', outcome: 'succeeded' });
    await expect.poll(() => guidance.count(), { timeout: STEP_MS }).toBe(0);
    await expect.poll(() => page.getByTestId('backup-row').count(), { timeout: STEP_MS }).toBe(3);
  });

  it('restores the newest backup through the wizard after its checks pass', async () => {
    const finished = nextJobFinished(core);
    await page.getByRole('button', { name: /^Restore the backup of/ }).first().click();
    const dialog = page.getByRole('dialog', { name: /^Restore the backup of/ });
    await dialog.getByRole('button', { name: 'Continue' }).click({ timeout: STEP_MS });
    await dialog.getByTestId('preflight').waitFor({ timeout: STEP_MS });
    await shot('09-restore-dialog');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
    await dialog.getByTestId('job-progress').or(dialog.getByTestId('restore-result')).first().waitFor({ timeout: STEP_MS });
    const result = await finished;
    expect(result).toMatchObject({ kind: 'restore', outcome: 'succeeded' });
    await dialog.getByRole('button', { name: 'Done' }).click({ timeout: STEP_MS });
    await page.getByTestId('last-outcome').filter({ hasText: 'restore finished' }).waitFor({ timeout: STEP_MS });
  });

  it('asks for a password twice before turning encryption on, and has a dark theme', async () => {
    await page.getByTestId('encryption-switch').click();
    const dialog = page.getByRole('dialog', { name: 'Set a backup password' });
    await dialog.waitFor();
    await dialog.getByLabel('New password').fill('secret-1');
    await dialog.getByLabel('Confirm password').fill('secret-2');
    await dialog.getByRole('button', { name: 'Set Password' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'different' }).waitFor();
    await shot('10-encryption-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.getByLabel('Colour theme').selectOption('dark');
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await shot('11-dark-theme');
    await page.getByLabel('Colour theme').selectOption('system');
  });

  it('keeps an unplugged phone in the list with its backups, and has a Settings screen', async () => {
    // The restore's reboot left an "iPhone disconnected" toast: clear it so the next one is ours.
    const disconnected = page.getByTestId('toast').filter({ hasText: 'iPhone disconnected' });
    for (const toast of await disconnected.all()) await toast.getByRole('button').click({ timeout: 1000 }).catch(() => undefined);
    await expect.poll(() => disconnected.count()).toBe(0);
    harness.sim.device(udid).unplug();
    await disconnected.first().waitFor({ timeout: STEP_MS });
    await page.getByRole('heading', { name: 'Known' }).waitFor({ timeout: STEP_MS });
    await page.getByText('This iPhone is not connected').waitFor();
    expect(await page.getByTestId('backup-row').count()).toBe(3);
    await shot('12-known-device');

    await page.getByRole('button', { name: 'Settings' }).click();
    const folder = page.getByLabel('Backup folder');
    expect(await folder.inputValue()).toBe(backupRoot);
    await shot('13-settings');
  });
});
