import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../src/main/core/app-core';
import { startWebBridge, type WebBridge } from '../src/main/web';
import type { JobFinished } from '../src/shared/contract';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import { type SimHarness, startSimHarness } from '../test/helpers/sim-harness';
import { buildRenderer, CHROMIUM, launchBrowser, REPO_ROOT, SCREENSHOT_DIR } from './web-helpers';

const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the browser e2e: ${CHROMIUM} is missing (apt-get install chromium).`);

const STEP_MS = 60_000;
const AXE = path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');
/** The two ends of the window sizes Lifeboat must hold (issue 12). */
const SIZES = [
  { width: 800, height: 600 },
  { width: 1600, height: 1000 },
] as const;

function nextJobFinished(core: AppCore, kind: JobFinished['kind']): Promise<JobFinished> {
  return new Promise((resolve) => {
    const off = core.on('job:finished', (finished) => {
      if (finished.kind !== kind) return;
      off();
      resolve(finished);
    });
  });
}

/**
 * Browser-side snippets, as strings: the node tsconfig has no DOM types, and these run in the page.
 * FOCUSED_NAME is what a screen reader would call the focused element (label, aria-label or text).
 */
const FOCUSED_NAME = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return '';
  const labelled = element.getAttribute('aria-labelledby');
  const byId = labelled ? document.getElementById(labelled)?.textContent : undefined;
  const label = element.labels?.[0]?.textContent;
  return (element.getAttribute('aria-label') ?? byId ?? label ?? element.textContent ?? '').trim();
})()`;
const FOCUS_IN_DIALOG = `!!document.activeElement?.closest('dialog[open]')`;
const TWO_FRAMES = `new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))`;
const HAS_AXE = `'axe' in window`;
const SERIOUS_AXE_VIOLATIONS = `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations
  .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
  .map((violation) => violation.id + ' (' + violation.impact + '): ' + violation.help + ' at ' + violation.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)).join(', ')))`;
const OVERFLOW = `({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })`;

function focusedName(page: Page): Promise<string> {
  return page.evaluate<string>(FOCUSED_NAME);
}

/** Presses Tab until the focused element's name matches, as a keyboard user scanning the page would. */
async function tabTo(page: Page, name: RegExp, max = 80): Promise<void> {
  const seen: string[] = [];
  for (let step = 0; step < max; step++) {
    await page.keyboard.press('Tab');
    const current = await focusedName(page);
    if (name.test(current)) return;
    seen.push(current);
  }
  throw new Error(`Tab never reached ${String(name)}; it went through: ${seen.join(' | ')}`);
}

/** Whether the focus is inside the open modal dialog. */
function focusInDialog(page: Page): Promise<boolean> {
  return page.evaluate<boolean>(FOCUS_IN_DIALOG);
}

/**
 * The app used with the keyboard alone, checked with axe-core and at both window sizes: pair, back
 * up and restore through the wizard with Tab/Enter/Space/arrows/Escape; every dialog keeps the focus
 * for fifteen Tabs and closes on Escape; errors show once and leave when their cause is gone; and
 * every screen has no serious or critical axe violation and no sideways scroll at 800×600 and
 * 1600×1000 (screenshots in test-results/screenshots/<feature>-<state>-<width>.png).
 */
describe.skipIf(!hasChromium)('browser mode: keyboard only, accessible, 800×600 to 1600×1000', () => {
  let harness: SimHarness;
  let core: AppCore;
  let bridge: WebBridge;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let device: VirtualDevice;
  let rendererDir = '';
  const checked: string[] = [];
  const axeSource = fs.readFileSync(AXE, 'utf8');

  beforeAll(async () => {
    rendererDir = await buildRenderer();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    harness = await startSimHarness();
    device = harness.sim.device(harness.sim.devices()[0]!.udid);
    device.unplug();
    core = await createAppCore({ muxAddress: harness.sim.address, backupRoot: path.join(harness.workDir, 'backups'), settingsPath: path.join(harness.workDir, 'settings.json'), mode: 'web' });
    bridge = await startWebBridge({ core, staticDir: rendererDir });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.setViewportSize(SIZES[0]);
  });

  afterAll(async () => {
    if (rendererDir) fs.rmSync(rendererDir, { recursive: true, force: true });
    await browser?.close();
    await bridge?.close();
    await core?.close();
    await harness?.cleanup();
  });

  /**
   * At both sizes: axe-core finds nothing serious or critical, the page does not scroll sideways,
   * and a screenshot is kept. Ends at 800×600, the size the rest of the test runs at.
   */
  async function checkScreen(feature: string, state: string): Promise<void> {
    for (const size of [...SIZES].reverse()) {
      await page.setViewportSize(size);
      // Let layout settle on the new size (two frames), not a fixed sleep.
      await page.evaluate(TWO_FRAMES);
      // Evaluated rather than added as a <script>: the app's CSP (script-src 'self') rightly refuses inline scripts.
      if (!(await page.evaluate<boolean>(HAS_AXE))) await page.evaluate(axeSource);
      const violations = await page.evaluate<string[]>(SERIOUS_AXE_VIOLATIONS);
      expect(violations, `${feature}-${state}-${size.width}`).toEqual([]);
      const overflow = await page.evaluate<{ scroll: number; inner: number }>(OVERFLOW);
      expect(overflow.scroll, `${feature}-${state}-${size.width} scrolls sideways`).toBeLessThanOrEqual(overflow.inner);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${feature}-${state}-${size.width}.png`) });
    }
    checked.push(`${feature}-${state}`);
  }

  /** Fifteen Tabs and three Shift+Tabs stay inside the open dialog; Escape closes it and the focus goes back to `opener`. */
  async function expectModal(name: RegExp, opener: RegExp): Promise<void> {
    const dialog = page.getByRole('dialog', { name });
    await dialog.waitFor({ timeout: STEP_MS });
    expect(await focusInDialog(page)).toBe(true);
    for (let step = 0; step < 15; step++) {
      await page.keyboard.press('Tab');
      expect(await focusInDialog(page), `Tab ${step + 1} left the dialog`).toBe(true);
    }
    for (let step = 0; step < 3; step++) {
      await page.keyboard.press('Shift+Tab');
      expect(await focusInDialog(page), `Shift+Tab ${step + 1} left the dialog`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: STEP_MS });
    expect(await focusedName(page)).toMatch(opener);
  }

  it('shows the empty window and then the phone, at both sizes', async () => {
    await page.goto(bridge.url);
    await page.getByRole('heading', { name: 'Connect your iPhone' }).waitFor({ timeout: STEP_MS });
    await checkScreen('devices', 'empty');
    device.plug();
    await page.getByTestId('trust-guidance').waitFor({ timeout: STEP_MS });
    await checkScreen('device', 'untrusted');
  });

  it('pairs and backs up with the keyboard alone', async () => {
    await tabTo(page, /^Trust this computer$/);
    await page.keyboard.press('Enter');
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    await checkScreen('device', 'trusted');

    const finished = nextJobFinished(core, 'backup');
    await tabTo(page, /^Back Up Now$/);
    await page.keyboard.press('Enter');
    await page.getByTestId('job-progress').or(page.getByTestId('last-outcome')).first().waitFor({ timeout: STEP_MS });
    expect((await finished).outcome).toBe('succeeded');
    await page.getByTestId('backup-row').first().waitFor({ timeout: STEP_MS });
    // Space flips a switch: the Camera Roll off, then on again.
    await tabTo(page, /^Include Camera Roll/);
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('camera-roll-switch').getAttribute('aria-checked')).toBe('false');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('camera-roll-switch').getAttribute('aria-checked')).toBe('true');
    await checkScreen('device', 'backed-up');
  });

  it('opens the history row’s More menu with the keyboard: arrows move, Escape closes it', async () => {
    await tabTo(page, /^More actions for the backup of/);
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu');
    await menu.waitFor();
    expect(await focusedName(page)).toBe('Browse Files');
    await page.keyboard.press('ArrowDown');
    expect(await focusedName(page)).toBe('Verify');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await focusedName(page)).toBe('Delete…');
    await page.keyboard.press('Home');
    expect(await focusedName(page)).toBe('Browse Files');
    await checkScreen('history', 'menu-open');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await focusedName(page)).toMatch(/^More actions for the backup of/);
  });

  it('keeps the focus inside every dialog and closes each on Escape, back on its opener', async () => {
    // Delete, from the menu: the dialog opens on "Keep", the safe answer.
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Delete this backup?' }).waitFor();
    expect(await focusedName(page)).toBe('Keep');
    await checkScreen('history', 'delete-dialog');
    await expectModal(/^Delete this backup\?$/, /^More actions for the backup of/);

    await tabTo(page, /^Encrypt local backup/);
    await page.keyboard.press('Space');
    await checkScreen('encryption', 'dialog');
    await expectModal(/^Set a backup password$/, /^Encrypt local backup/);
    expect(await page.getByTestId('encryption-switch').getAttribute('aria-checked')).toBe('false');

    await tabTo(page, /^Restore Backup…$/);
    await page.keyboard.press('Enter');
    await checkScreen('restore-wizard', 'choose');
    await expectModal(/^Restore the backup of/, /^Restore Backup…$/);
  });

  it('restores through the wizard with the keyboard alone', async () => {
    await tabTo(page, /^Restore Backup…$/);
    await page.keyboard.press('Enter');
    const wizard = page.getByTestId('restore-wizard');
    await wizard.waitFor();
    // The newest complete backup is chosen; its radio button is reachable and already checked.
    await tabTo(page, /^Continue$/);
    await page.keyboard.press('Enter');
    await wizard.getByTestId('preflight').waitFor({ timeout: STEP_MS });
    await expect.poll(() => wizard.getAttribute('data-step')).toBe('checks');
    await checkScreen('restore-wizard', 'checks');
    await tabTo(page, /^Continue$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => wizard.getAttribute('data-step')).toBe('options');
    await checkScreen('restore-wizard', 'options');
    const finished = nextJobFinished(core, 'restore');
    await tabTo(page, /^Restore$/);
    await page.keyboard.press('Enter');
    expect((await finished).outcome).toBe('succeeded');
    await wizard.getByTestId('restore-result').waitFor({ timeout: STEP_MS });
    await checkScreen('restore-wizard', 'done');
    await tabTo(page, /^Done$/);
    await page.keyboard.press('Enter');
    await wizard.waitFor({ state: 'detached' });
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
  });

  it('shows an error raised in a dialog in that dialog only, and drops it when the dialog closes', async () => {
    device.setFaults({ locked: true });
    await tabTo(page, /^Encrypt local backup/);
    await page.keyboard.press('Space');
    const dialog = page.getByRole('dialog', { name: 'Set a backup password' });
    await dialog.waitFor();
    await page.keyboard.type('secret-1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('secret-1');
    await page.keyboard.press('Enter');
    const inDialog = dialog.getByTestId('dialog-error');
    await inDialog.waitFor({ timeout: STEP_MS });
    expect(await inDialog.textContent()).toMatch(/locked/i);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await checkScreen('encryption', 'dialog-error');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByTestId('dialog-error').count()).toBe(0);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    device.setFaults({ locked: false });
  });

  it('drops "locked" once the phone is unlocked and the next backup runs', async () => {
    device.setFaults({ locked: true });
    await tabTo(page, /^Back Up Now$/);
    const failed = nextJobFinished(core, 'backup');
    await page.keyboard.press('Enter');
    const banner = page.getByTestId('error-banner');
    const outcome = page.getByTestId('last-outcome').filter({ hasText: 'failed' });
    await banner.or(outcome).first().waitFor({ timeout: STEP_MS });
    await failed.catch(() => undefined);
    await checkScreen('device', 'locked-error');
    // Plain words: the phone's code and protocol words only behind the closed "Details".
    expect(await banner.or(outcome).first().innerText()).not.toMatch(/MBErrorDomain|DeviceLink|\(error \d+\)/);
    // Each error once: never the same sentence in two places at the same time.
    const sentences = await page.getByRole('alert').allTextContents();
    expect(new Set(sentences).size).toBe(sentences.length);

    device.setFaults({ locked: false });
    const finished = nextJobFinished(core, 'backup');
    await tabTo(page, /^Back Up Now$/);
    await page.keyboard.press('Enter');
    expect((await finished).outcome).toBe('succeeded');
    await expect.poll(() => banner.count(), { timeout: STEP_MS }).toBe(0);
    await page.getByTestId('last-outcome').filter({ hasText: 'finished' }).waitFor({ timeout: STEP_MS });
  });

  it('leaves an error behind when the person navigates away', async () => {
    await tabTo(page, /^Settings$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await checkScreen('settings', 'default');
    await tabTo(page, /^Backup folder$/);
    // An empty folder is refused: the error belongs to Settings.
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Enter');
    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ timeout: STEP_MS });
    await checkScreen('settings', 'error');
    await tabTo(page, /^iPhone|^Phone|Connected$/);
    await page.keyboard.press('Enter');
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    expect(await banner.count()).toBe(0);
  });

  it('browses a backup at both sizes: stacked panes when narrow, paths cut in the middle', async () => {
    await tabTo(page, /^More actions for the backup of/);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Backup of/ }).waitFor({ timeout: STEP_MS });
    await checkScreen('browser', 'domains');
    await page.getByRole('navigation', { name: 'Domains and apps' }).getByRole('button', { name: /^CameraRollDomain/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('file-row').first().waitFor({ timeout: STEP_MS });
    await checkScreen('browser', 'folder');
    await tabTo(page, /^Search this backup$/);
    await page.keyboard.type('IMG_');
    await page.keyboard.press('Enter');
    await page.getByTestId('browser-count').filter({ hasText: 'matches' }).waitFor({ timeout: STEP_MS });
    await page.locator('[data-testid="file-row"][data-path]').first().waitFor({ timeout: STEP_MS });
    // Each result ends with its own file name, not with a shared "CameraRollDomain/Media/DCI…".
    const tails = await page.locator('[data-testid="file-row"][data-path] .middle-ellipsis-tail').allTextContents();
    expect(tails.length).toBeGreaterThan(1);
    expect(tails.every((tail) => /IMG_\d+\.\w+$/.test(tail))).toBe(true);
    await checkScreen('browser', 'search');
  });

  it('checked every screen', () => {
    expect(checked.length).toBeGreaterThanOrEqual(14);
  });
});
