import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../src/main/core/app-core';
import type { NoticeView } from '../src/shared/contract';
import type { WebBridge } from '../src/main/web';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import { checkScreen as checkScreenAtBothSizes, expectModal as expectModalOn, focusedName, tabTo } from './web-a11y';
import { HAS_CHROMIUM, nextJobFinished, SIZES, STEP_MS, startWebApp, type WebApp } from './web-helpers';
import { dcimEntries } from '../test/photos/import-helpers';

/**
 * The app used with the keyboard alone, checked with axe-core and at both window sizes: pair, back
 * up and restore through the wizard with Tab/Enter/Space/arrows/Escape; every dialog keeps the focus
 * for fifteen Tabs and closes on Escape; errors show once and leave when their cause is gone; and
 * every screen has no serious or critical axe violation and no sideways scroll at 800×600 and
 * 1600×1000 (screenshots in test-results/screenshots/<feature>-<state>-<width>.png).
 */
describe.skipIf(!HAS_CHROMIUM)('browser mode: keyboard only, accessible, 800×600 to 1600×1000', () => {
  let app: WebApp;
  let core: AppCore;
  let bridge: WebBridge;
  let page: Page;
  let device: VirtualDevice;
  const checked: string[] = [];

  /** The windows' listeners for `notify`, so a test can raise a toast that stays (another phone's failed job). */
  const notifyListeners: Array<(notice: NoticeView) => void> = [];

  beforeAll(async () => {
    app = await startWebApp({
      unplugged: true,
      viewport: SIZES[0],
      onCore: (started) => {
        const on = started.on.bind(started);
        started.on = ((event, listener) => {
          if (event === 'notify') notifyListeners.push(listener as (notice: NoticeView) => void);
          return on(event, listener);
        }) as AppCore['on'];
      },
    });
    ({ core, bridge, page, device } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  /** The shared check (axe, no sideways scroll, screenshots at both sizes), counted for the last test. */
  async function checkScreen(feature: string, state: string): Promise<void> {
    await checkScreenAtBothSizes(page, feature, state);
    checked.push(`${feature}-${state}`);
  }

  const expectModal = (name: RegExp, opener: RegExp): Promise<void> => expectModalOn(page, name, opener);

  /** No shown toast covers the focused element (WCAG 2.4.11); the toasts move out of its way. */
  const TOASTS_OVER_FOCUS = `(() => {
    const focused = document.activeElement.getBoundingClientRect();
    const region = document.querySelector('.toasts');
    if (!region || region.dataset.placement === 'hidden') return [];
    return [...region.querySelectorAll('[data-testid="toast"]')].filter((toast) => {
      const box = toast.getBoundingClientRect();
      return box.width > 0 && box.left < focused.right && focused.left < box.right && box.top < focused.bottom && focused.top < box.bottom;
    }).map((toast) => toast.textContent);
  })()`;
  const expectToastsClearOfFocus = () => expect.poll(() => page.evaluate<string[]>(TOASTS_OVER_FOCUS)).toEqual([]);
  /** The controls a shown toast sits on (issue 12: at 800×600 one covered Import Photos). */
  const CONTROLS_UNDER_TOASTS = `(() => {
    const region = document.querySelector('.toasts');
    if (!region || region.dataset.placement === 'hidden') return [];
    const toasts = [...region.querySelectorAll('[data-testid="toast"]')].map((toast) => toast.getBoundingClientRect()).filter((box) => box.width > 0);
    const controls = [...document.querySelectorAll('button, a[href], input, select, textarea, [role="switch"], [role="button"]')].filter((control) => !region.contains(control));
    return controls.filter((control) => {
      const box = control.getBoundingClientRect();
      return box.width > 0 && toasts.some((toast) => box.left < toast.right && toast.left < box.right && box.top < toast.bottom && toast.top < box.bottom);
    }).map((control) => control.getAttribute('aria-label') || control.textContent.trim() || control.tagName);
  })()`;

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
    // At 800 px a size stays on one line ("8.1 MB", not "8.1" over "MB").
    const sizeLines = `(() => { const range = document.createRange(); range.selectNodeContents(document.querySelector('[data-testid="backup-row"] td:nth-child(2)')); return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size; })()`;
    expect(await page.evaluate<number>(sizeLines)).toBe(1);
    // Space flips a switch: the Camera Roll off, then on again.
    await tabTo(page, /^Include Camera Roll/);
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('camera-roll-switch').getAttribute('aria-checked')).toBe('false');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('camera-roll-switch').getAttribute('aria-checked')).toBe('true');
    await checkScreen('device', 'backed-up');
  });

  it('keeps the device page accessible during a running backup, and a dialog opened then keeps the focus', async () => {
    // The phone asks for its passcode (iOS 16.1+) and waits until we answer it below: a backup that
    // runs while we look, for as long as we look and no longer (a fixed 20 s answer cost every run 20 s).
    device.setFaults({ passcodePrompt: 'ask' });
    try {
      const finished = nextJobFinished(core, 'backup');
      await tabTo(page, /^Back Up Now$/);
      await page.keyboard.press('Enter');
      await page.getByTestId('job-status').filter({ hasText: 'Enter your passcode on the iPhone to start the backup' }).waitFor({ timeout: STEP_MS });
      await checkScreen('device', 'backup-passcode-wait');
      await tabTo(page, /^More actions for the backup of/);
      await page.keyboard.press('Enter');
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await expectModal(/^Delete this backup\?$/, /^More actions for the backup of/);
      expect(device.isPasscodePromptPending()).toBe(true);
      device.answerPasscodePrompt(true);
      expect((await finished).outcome).toBe('succeeded');
    } finally {
      device.setFaults({ passcodePrompt: undefined });
    }
  });

  it('opens the history row’s More menu with the keyboard: arrows move, Escape closes it', async () => {
    // A toast that stays until dismissed (another phone's failed backup) sits at the window's foot.
    for (const listener of notifyListeners) listener({ id: 'other-phone-failed', level: 'error', title: 'Backup of another iPhone failed', udid: 'ANOTHER-PHONE' });
    const toast = page.getByTestId('toast').filter({ hasText: 'another iPhone' });
    await toast.waitFor();
    await tabTo(page, /^More actions for the backup of/);
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu');
    await menu.waitFor();
    // The whole menu is scrolled into the window, not only its first item.
    const box = (await menu.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    // (Within a pixel: scrolling into view may leave the menu's edge on a half pixel.)
    expect(box.y + box.height).toBeLessThanOrEqual(SIZES[0].height + 1);
    // ... and no toast hides any of it (it had covered the lower items at 800×600).
    await expect.poll(async () => {
      const shown = (await page.getByRole('status', { name: 'Notifications' }).getAttribute('data-placement')) !== 'hidden';
      const over = (await toast.boundingBox())!;
      const apart = over.x >= box.x + box.width || over.x + over.width <= box.x || over.y >= box.y + box.height || over.y + over.height <= box.y;
      return !shown || apart;
    }).toBe(true);
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
    // Dismissed without moving the focus (a click would take it off the More button).
    await page.getByRole('button', { name: 'Dismiss: Backup of another iPhone failed' }).dispatchEvent('click');
    await toast.waitFor({ state: 'detached' });
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
    // Over, so the heading no longer says "Restoring".
    expect(await wizard.getByTestId('wizard-heading').textContent()).toBe('Restored');
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
    // Plain words: the phone's code and protocol words only behind the closed "Details".
    expect(await inDialog.innerText()).not.toMatch(/MBErrorDomain|DeviceLink|\(error \d+\)/);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await checkScreen('encryption', 'dialog-error');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByTestId('dialog-error').count()).toBe(0);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    device.setFaults({ locked: false });
  });

  it('waits for the unlock when Back Up Now meets a locked phone, in plain words, and goes on by itself', async () => {
    // Locked since Lifeboat last looked (no event says so): the phone refuses, and the backup waits instead of failing.
    device.setFaults({ locked: true });
    await tabTo(page, /^Back Up Now$/);
    const finished = nextJobFinished(core, 'backup');
    await page.keyboard.press('Enter');
    await page.getByTestId('job-status').filter({ hasText: 'Waiting for you to unlock your iPhone' }).waitFor({ timeout: STEP_MS });
    await page.getByTestId('unlock-guidance').waitFor({ timeout: STEP_MS });
    await checkScreen('device', 'locked-waiting');
    // A wait for the person, not an error: no banner, no phone's code or protocol words, nothing said twice.
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toMatch(/MBErrorDomain|DeviceLink|\(error \d+\)/);
    const sentences = await page.getByRole('alert').allTextContents();
    expect(new Set(sentences).size).toBe(sentences.length);

    // Unlocked on the phone; nobody touches the app.
    device.setFaults({ locked: false });
    expect((await finished).outcome).toBe('succeeded');
    await expect.poll(() => page.getByTestId('unlock-guidance').count(), { timeout: STEP_MS }).toBe(0);
    await page.getByTestId('last-outcome').filter({ hasText: 'finished' }).waitFor({ timeout: STEP_MS });
  });

  it('copies the photos with the keyboard alone, the toasts clear of the button it used', async () => {
    await tabTo(page, /^Import new photos and videos into$/);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(path.join(app.harness.workDir, 'imported-photos'));
    const finished = nextJobFinished(core, 'photos-import');
    // Enter in the field submits, as Import Photos does.
    await page.keyboard.press('Enter');
    expect((await finished).outcome).toBe('succeeded');
    await page.getByTestId('last-outcome').filter({ hasText: 'photo import finished' }).waitFor({ timeout: STEP_MS });
    expect(fs.readdirSync(path.join(app.harness.workDir, 'imported-photos'), { recursive: true }).length).toBeGreaterThan(0);
    // The page's result line says the import finished: no toast repeats it (issue 12).
    expect(await page.getByTestId('toast').filter({ hasText: 'Photo import of' }).count()).toBe(0);
    await tabTo(page, /^Import Photos$/);
    // Another phone's backup ends meanwhile: news on this page, so a toast, which stays until
    // dismissed. At 800×600 the window's foot is where Import Photos is: it sits on no control.
    for (const listener of notifyListeners) listener({ id: 'other-phone-failed-2', level: 'error', title: 'Backup of another iPhone failed', udid: 'ANOTHER-PHONE', about: 'job-finished' });
    const toast = page.getByTestId('toast').filter({ hasText: 'another iPhone' });
    await toast.waitFor();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await expect.poll(() => page.evaluate<string[]>(CONTROLS_UNDER_TOASTS), { message: `${size.width}×${size.height}` }).toEqual([]);
      await expectToastsClearOfFocus();
    }
    await checkScreen('photos', 'imported');
    await page.getByRole('button', { name: 'Dismiss: Backup of another iPhone failed' }).dispatchEvent('click');
    await toast.waitFor({ state: 'detached' });
  });

  it('lists the photos the iPhone would not give, with why, in a dialog reached by keyboard', async () => {
    const unreadable = [...dcimEntries(device.phone).keys()].sort().filter((afcPath) => /\.(heic|jpe?g)$/i.test(afcPath)).slice(0, 2);
    expect(unreadable).toHaveLength(2);
    device.setFaults({ unreadablePaths: unreadable });
    try {
      await tabTo(page, /^Import new photos and videos into$/);
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type(path.join(app.harness.workDir, 'imported-photos-again'));
      const finished = nextJobFinished(core, 'photos-import');
      await page.keyboard.press('Enter');
      expect((await finished).outcome).toBe('succeeded');
    } finally {
      device.setFaults({ unreadablePaths: undefined });
    }
    const summary = page.getByTestId('photos-not-copied-summary');
    await summary.waitFor({ timeout: STEP_MS });
    expect(await summary.textContent()).toMatch(/^2 photos could not be copied\./);
    await tabTo(page, /^Show which and why$/);
    await page.keyboard.press('Enter');
    const list = page.getByRole('dialog', { name: /2 photos could not be copied/ }).getByTestId('photos-not-copied');
    await list.waitFor({ timeout: STEP_MS });
    const items = await list.getByRole('listitem').allInnerTexts();
    expect(items).toHaveLength(2);
    for (const [index, afcPath] of unreadable.entries()) {
      const name = path.posix.basename(afcPath);
      // The name once, above its reason, which does not say it again.
      expect(items[index]?.split(name)).toHaveLength(2);
      expect(items[index]).toContain('The iPhone did not let this file be read');
    }
    await checkScreen('photos', 'not-copied');
    await expectModal(/2 photos could not be copied/, /^Show which and why$/);
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
    // What to put there, not "cannot use what was entered".
    expect(await banner.textContent()).toMatch(/The backup folder is empty\. Type a full path .* or use Choose… to pick a folder\.(?! Check)/);
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
    // The paths view is "Advanced: files by domain" below the sections in a person's words (issue 15).
    await tabTo(page, /^Advanced: files by domain$/);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Domains and apps' }).waitFor({ timeout: STEP_MS });
    await checkScreen('browser', 'domains');
    // Where the window has room (1600 px), every domain's name shows whole, not "AppDomai… o.DuolingoMobile".
    await page.setViewportSize(SIZES[1]);
    const cut = await page.locator('.domain-button .middle-ellipsis-head').evaluateAll((heads) => heads.filter((head) => head.scrollWidth > head.clientWidth).map((head) => head.textContent));
    expect(cut).toEqual([]);
    await page.setViewportSize(SIZES[0]);
    await page.getByRole('navigation', { name: 'Domains and apps' }).getByRole('button', { name: /^CameraRollDomain/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('file-row').first().waitFor({ timeout: STEP_MS });
    // The domain's top holds one folder (Media): "1 item", not "1 items".
    expect(await page.getByTestId('browser-count').textContent()).toBe('1 item');
    await checkScreen('browser', 'folder');
    await tabTo(page, /^Search this backup$/);
    await page.keyboard.type('IMG_');
    await page.keyboard.press('Enter');
    await page.getByTestId('browser-count').filter({ hasText: 'matches' }).waitFor({ timeout: STEP_MS });
    await page.locator('[data-testid="file-row"][data-path]').first().waitFor({ timeout: STEP_MS });
    // Each result ends with its own file name, not with a shared "CameraRollDomain/Media/DCI…".
    const tails = await page.locator('[data-testid="file-row"][data-path] .middle-ellipsis-tail').allTextContents();
    expect(tails.length).toBeGreaterThan(1);
    // (The Camera Roll has edits too since the real one: IMG_E0003.HEIC.)
    expect(tails.filter((tail) => !/IMG_E?\d+\.\w+$/.test(tail))).toEqual([]);
    await checkScreen('browser', 'search');
  });

  it('checked every screen', () => {
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });
});
