/**
 * The desktop app itself: Playwright's `_electron` launches the built Lifeboat (renderer, main,
 * preload, bundled into a throwaway app folder) against the virtual iPhone, then does what a
 * person does: plug in → toast and desktop notice → trust → Back Up Now → progress → history.
 * It also checks from the outside that the window is locked down (no Node, no raw IPC, CSP).
 *
 * Skips with a sentence where there is no Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD, as on
 * this project's CI) or, on Linux, no display (run it under `xvfb-run`). Without the binary,
 * test/electron/main-bundle.test.ts covers the main process under plain Node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateElectronBinary } from '../src/main/electron/electron-binary';
import { buildElectron } from '../scripts/build-electron';
import { type SimHarness, startSimHarness } from '../test/helpers/sim-harness';
import { REPO_ROOT, SCREENSHOT_DIR } from './web-helpers';

const binary = locateElectronBinary(REPO_ROOT);
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skipReason = !binary.found ? `Skipping the Electron e2e: ${binary.reason}` : noDisplay ? 'Skipping the Electron e2e: no display (DISPLAY is unset); run it under xvfb-run.' : undefined;
if (skipReason) console.warn(skipReason);

const STEP_MS = 60_000;

describe.skipIf(skipReason !== undefined)('desktop app: back up an iPhone', () => {
  let appRoot: string;
  let harness: SimHarness;
  let app: ElectronApplication;
  let page: Page;
  let udid: string;
  let backupRoot: string;

  beforeAll(async () => {
    // Built into its own folder, so this test never races the browser e2e over dist/renderer.
    appRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-electron-'));
    fs.writeFileSync(path.join(appRoot, 'package.json'), JSON.stringify({ name: 'lifeboat', version: '0.1.0', type: 'module', main: 'dist/main/electron/main.js' }));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(appRoot, 'node_modules'), 'dir');
    fs.cpSync(path.join(REPO_ROOT, 'assets'), path.join(appRoot, 'assets'), { recursive: true });
    const { build } = await import('vite');
    await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: path.join(appRoot, 'dist', 'renderer'), emptyOutDir: true } });
    await buildElectron({ outRoot: path.join(appRoot, 'dist') });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });

    harness = await startSimHarness();
    udid = harness.sim.devices()[0]!.udid;
    // Unplugged until the window is up, so the "iPhone connected" toast has someone to see it.
    harness.sim.device(udid).unplug();
    backupRoot = path.join(harness.workDir, 'backups');
    app = await _electron.launch({
      executablePath: binary.found ? binary.executablePath : 'electron',
      // Chromium refuses to run as root with its OS sandbox; the renderer sandbox flag stays on.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), appRoot],
      env: {
        ...(harness.env as Record<string, string>),
        LIFEBOAT_BACKUP_ROOT: backupRoot,
        LIFEBOAT_USER_DATA_DIR: path.join(harness.workDir, 'user-data'),
        LIFEBOAT_E2E: '1',
      },
      timeout: STEP_MS,
    });
    app.process().stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[electron] ${chunk.toString()}`));
    page = await app.firstWindow({ timeout: STEP_MS });
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await harness?.cleanup();
    if (appRoot) fs.rmSync(appRoot, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `electron-${name}.png`) });
  const desktopNotices = () => app.evaluate(() => ((globalThis as { lifeboatDesktopNotices?: { title: string }[] }).lifeboatDesktopNotices ?? []).map((notice) => notice.title));

  it('opens a locked-down window on the app:// origin', async () => {
    await page.getByRole('heading', { name: 'Connect your iPhone' }).waitFor({ timeout: STEP_MS });
    expect(page.url()).toBe('app://lifeboat/index.html');
    // Page-side code sees only the preload's api: no Node, no require, no raw IPC.
    type PageGlobals = { api: { invoke(channel: string, args: unknown): Promise<unknown> }; require?: unknown; process?: unknown };
    const exposed = await page.evaluate(() => {
      const scope = globalThis as unknown as PageGlobals;
      return { api: Object.keys(scope.api).sort(), require: typeof scope.require, process: typeof scope.process };
    });
    expect(exposed).toEqual({ api: ['invoke', 'on'], require: 'undefined', process: 'undefined' });
    const refused = await page.evaluate(() => (globalThis as unknown as PageGlobals).api.invoke('shell:exec', {}));
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    // The CSP forbids eval in the page.
    expect(await page.evaluate(() => {
      try {
        return String(new Function('return "ran"')());
      } catch {
        return 'blocked';
      }
    })).toBe('blocked');
    // Navigation away is refused by will-navigate: the window stays on our page.
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await page.getByRole('heading', { name: 'Connect your iPhone' }).waitFor({ timeout: STEP_MS });
    expect(page.url()).toBe('app://lifeboat/index.html');
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    await shot('01-empty');
  });

  it('shows the phone when it is plugged in, with a desktop notice, then trusts it', async () => {
    harness.sim.device(udid).plug();
    await page.getByTestId('toast').filter({ hasText: 'iPhone connected' }).waitFor({ timeout: STEP_MS });
    await expect.poll(desktopNotices, { timeout: STEP_MS }).toContain('iPhone connected');
    await page.getByTestId('trust-guidance').waitFor({ timeout: STEP_MS });
    await shot('02-trust-guidance');

    await page.getByRole('button', { name: 'Trust this computer' }).click();
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    await expect.poll(() => page.getByTestId('latest-backup').textContent()).toBe('Never');
    await shot('03-device-summary');
  });

  it('backs up with a progress view, then shows the backup in history', async () => {
    // Slow the cable so the progress view stays on screen long enough to see.
    harness.sim.device(udid).setFaults({ linkBytesPerSecond: 1_500_000 });
    await page.getByTestId('backup-now').click();
    await page.getByTestId('job-progress').waitFor({ timeout: STEP_MS });
    // A locator, not waitForFunction: the window's CSP forbids the eval a string predicate needs.
    await expect.poll(() => page.getByTestId('job-percent').textContent(), { timeout: STEP_MS }).toMatch(/\d+%/);
    await shot('04-backup-progress');
    // Told by the page's result line, not by a toast repeating it (issue 12).
    await page.getByTestId('last-outcome').filter({ hasText: 'The last backup finished' }).waitFor({ timeout: STEP_MS * 2 });
    harness.sim.device(udid).setFaults({ linkBytesPerSecond: undefined });
    await expect.poll(desktopNotices, { timeout: STEP_MS }).toContain('Backup finished');

    await page.getByTestId('backup-row').first().waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('backup-row').count()).toBe(1);
    expect(await page.getByTestId('latest-backup').textContent()).not.toBe('Never');
    const udids = fs.readdirSync(backupRoot).filter((name) => !name.startsWith('.'));
    expect(udids).toContain(udid);
    await shot('05-history');
  });
});
