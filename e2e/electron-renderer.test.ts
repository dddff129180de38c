/**
 * The desktop app's page half, on machines without the Electron binary: headless Chromium shows
 * the real renderer build under the Electron window's CSP, with `window.api` made by the real
 * preload bundle (dist/preload/preload.cjs, given a stand-in `electron` whose ipcRenderer is a
 * Playwright binding), answered by the real IPC guard and app core against the virtual iPhone.
 * Only Electron itself is missing; e2e/electron-app.test.ts runs the whole thing where it exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../src/main/core/app-core';
import { APP_ORIGIN, contentTypeFor, ELECTRON_CONTENT_SECURITY_POLICY, resolveRendererFile } from '../src/main/electron/app-origin';
import { createInvokeHandler, forwardCoreEvents } from '../src/main/electron/ipc-guard';
import { buildElectron } from '../scripts/build-electron';
import { type SimHarness, startSimHarness } from '../test/helpers/sim-harness';
import { checkScreen } from './web-a11y';
import { CHROMIUM, launchBrowser, REPO_ROOT, SCREENSHOT_DIR } from './web-helpers';

const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the Electron renderer e2e: ${CHROMIUM} is missing (apt-get install chromium).`);

/** Chromium cannot open app:// here, so the page lives on a stand-in origin routed by Playwright. */
const STAND_IN_ORIGIN = 'https://lifeboat.test';
const STEP_MS = 60_000;

/** Runs the preload bundle the way Electron's sandboxed preload does: CommonJS, only `electron` to require. */
function preloadInitScript(preloadSource: string): string {
  return `(() => {
    const listeners = new Map();
    const electron = {
      contextBridge: { exposeInMainWorld: (key, value) => Object.defineProperty(window, key, { value: Object.freeze(value) }) },
      ipcRenderer: {
        invoke: (channel, args) => window.__lifeboatIpcInvoke(channel, args),
        on: (channel, listener) => { if (!listeners.has(channel)) listeners.set(channel, new Set()); listeners.get(channel).add(listener); },
        removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
      },
    };
    window.__lifeboatIpcEmit = (channel, payload) => { for (const listener of listeners.get(channel) ?? []) listener({}, payload); };
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
    const module = { exports: {} };
    const require = (name) => { if (name === 'electron') return electron; throw new Error('A sandboxed preload cannot require ' + name); };
    (function (require, module, exports) {\n${preloadSource}\n})(require, module, module.exports);
  })();`;
}

describe.skipIf(!hasChromium)('desktop app page: renderer + preload + IPC guard + core', () => {
  let buildRoot: string;
  let harness: SimHarness;
  let core: AppCore;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let udid: string;
  let stopEvents: () => void;
  const invoked: string[] = [];

  beforeAll(async () => {
    buildRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    const rendererDir = path.join(buildRoot, 'renderer');
    const { build } = await import('vite');
    await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true } });
    const { preloadFile } = await buildElectron({ outRoot: buildRoot, targets: ['preload'] });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });

    harness = await startSimHarness();
    udid = harness.sim.devices()[0]!.udid;
    harness.sim.device(udid).unplug();
    core = await createAppCore({ muxAddress: harness.sim.address, backupRoot: path.join(harness.workDir, 'backups'), settingsPath: path.join(harness.workDir, 'settings.json'), mode: 'electron' });
    const handle = createInvokeHandler(core);

    browser = await launchBrowser();
    page = await browser.context.newPage();
    // The app:// protocol handler's job, done by Playwright: same file mapping, same CSP header.
    await page.route(`${STAND_IN_ORIGIN}/**`, async (route) => {
      const appUrl = route.request().url().replace(STAND_IN_ORIGIN, APP_ORIGIN);
      const resolved = resolveRendererFile(rendererDir, appUrl);
      if (resolved.kind === 'forbidden' || !fs.existsSync(resolved.file)) return route.fulfill({ status: 404, body: 'not found' });
      await route.fulfill({ status: 200, body: fs.readFileSync(resolved.file), headers: { 'content-type': contentTypeFor(resolved.file), 'content-security-policy': ELECTRON_CONTENT_SECURITY_POLICY } });
    });
    await page.exposeBinding('__lifeboatIpcInvoke', async (source, channel: unknown, args: unknown) => {
      invoked.push(String(channel));
      // The frame URL as Electron would report it for our app:// page.
      return handle(channel, args, source.frame.url().replace(STAND_IN_ORIGIN, APP_ORIGIN));
    });
    await page.addInitScript(preloadInitScript(fs.readFileSync(preloadFile!, 'utf8')));
    stopEvents = forwardCoreEvents(core, (event, payload) => {
      void page.evaluate(([name, value]) => (globalThis as unknown as { __lifeboatIpcEmit(c: unknown, p: unknown): void }).__lifeboatIpcEmit(name, value), [event, payload] as const).catch(() => undefined);
    });
  });

  afterAll(async () => {
    stopEvents?.();
    await browser?.close();
    await core?.close();
    await harness?.cleanup();
    if (buildRoot) fs.rmSync(buildRoot, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `electron-page-${name}.png`), fullPage: true });
  /**
   * What the CSP blocked, less zod's one-time `Function('')` probe (it checks whether it may compile
   * validators, and falls back when not): that probe is reported as "script-src eval" and is harmless.
   */
  const violations = async () => (await page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations)).filter((entry) => entry !== 'script-src eval');

  it('renders under the window CSP, talking over the preload api only', async () => {
    await page.goto(`${STAND_IN_ORIGIN}/index.html`);
    await page.getByRole('heading', { name: 'Connect your iPhone' }).waitFor({ timeout: STEP_MS });
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as { api: object }).api).sort())).toEqual(['invoke', 'on']);
    expect(invoked).toContain('devices:list');
    expect(await violations()).toEqual([]);
  });

  it('asks once, on first run, whether to open at login hidden in the tray, and keeps the answer', async () => {
    const offer = page.getByTestId('login-item-offer');
    await offer.getByRole('heading', { name: 'Open Lifeboat at login?' }).waitFor({ timeout: STEP_MS });
    const size = page.viewportSize();
    await checkScreen(page, 'login-offer', 'first-run');
    if (size) await page.setViewportSize(size);
    await offer.getByRole('button', { name: 'Open at Login' }).click();
    await offer.waitFor({ state: 'detached', timeout: STEP_MS });
    expect(await core.invoke('settings:get', {})).toMatchObject({ openAtLogin: true, openAtLoginOffered: true });
    // Asked once: the next start (a reload) does not ask again.
    await page.reload();
    await page.getByRole('heading', { name: 'Connect your iPhone' }).waitFor({ timeout: STEP_MS });
    expect(await offer.count()).toBe(0);
    expect(await violations()).toEqual([]);
  });

  it('plug in → toast → trust → Back Up Now → progress → history', async () => {
    harness.sim.device(udid).plug();
    await page.getByTestId('toast').filter({ hasText: 'iPhone connected' }).waitFor({ timeout: STEP_MS });
    await page.getByRole('button', { name: 'Trust this computer' }).click();
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });

    harness.sim.device(udid).setFaults({ linkBytesPerSecond: 1_500_000 });
    await page.getByTestId('backup-now').click();
    await page.getByTestId('job-progress').waitFor({ timeout: STEP_MS });
    // A locator, not waitForFunction: the window's CSP forbids the eval a string predicate needs.
    await expect.poll(() => page.getByTestId('job-percent').textContent(), { timeout: STEP_MS }).toMatch(/\d+%/);
    await shot('backup-progress');
    // Told by the page's result line, not by a toast repeating it (issue 12).
    await page.getByTestId('last-outcome').filter({ hasText: 'The last backup finished' }).waitFor({ timeout: STEP_MS * 2 });
    harness.sim.device(udid).setFaults({ linkBytesPerSecond: undefined });
    await page.getByTestId('backup-row').first().waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('backup-row').count()).toBe(1);
    expect(invoked).toEqual(expect.arrayContaining(['devices:pair', 'backup:start']));
    expect(await violations()).toEqual([]);
    await shot('history');
  });
});
