import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import { type SimHarness, startSimHarness } from '../test/helpers/sim-harness';
import { checkScreen } from './web-a11y';
import { rendererBuild, type RendererBuild, HAS_CHROMIUM, launchBrowser, REPO_ROOT, STEP_MS } from './web-helpers';

/** The line `lifeboat serve` prints with the one-time address to open. */
const OPEN_LINE = /Open Lifeboat: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;

/**
 * `lifeboat serve` (issue 15, item 6) as a home server runs it: the real command, started as its own
 * process, reaching the virtual iPhone only through USBMUXD_SOCKET_ADDRESS like a real usbmuxd, driven
 * from a browser. Then Wi-Fi (issue 14, item 7) through the same page: "Show this iPhone when on Wi-Fi",
 * the cable out, the Wi-Fi badge, and a backup with no cable.
 */
describe.skipIf(!HAS_CHROMIUM)('lifeboat serve with the virtual iPhone on USB and Wi-Fi', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let renderer: RendererBuild | undefined;
  let dataDir = '';
  let backupRoot = '';
  let serve: ChildProcess | undefined;
  let output = '';
  let url = '';
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let page: Page;

  beforeAll(async () => {
    renderer = await rendererBuild();
    harness = await startSimHarness({ seed: 53, connection: 'both' });
    device = harness.sim.devices()[0]!;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-serve-'));
    backupRoot = path.join(dataDir, 'backups');
    const child = spawn(process.execPath, ['bin/lifeboat.mjs', 'serve', '--port', '0', '--backup-root', backupRoot, '--static-dir', renderer.dir], {
      cwd: REPO_ROOT,
      env: { ...harness.env, LIFEBOAT_USER_DATA_DIR: path.join(dataDir, 'user-data'), XDG_CONFIG_HOME: path.join(dataDir, 'config') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve = child;
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lifeboat serve printed no address within ${STEP_MS} ms:\n${output}`)), STEP_MS);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const found = OPEN_LINE.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`lifeboat serve exited (${String(code)}) before printing its address:\n${output}`)));
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    if (serve && serve.exitCode === null) serve.kill('SIGKILL');
    await harness?.cleanup();
    renderer?.release();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the UI on loopback with the tunnel hint, trusts the phone and backs it up through the system usbmuxd', async () => {
    expect(output).toContain(`usbmuxd (${harness.sim.address.replace(/^UNIX:/, '')})`);
    expect(output).toMatch(/ssh -N -L (\d+):127\.0\.0\.1:\1 /);
    expect(output).toContain(`Backups go to ${backupRoot}`);
    await page.setViewportSize({ width: 1200, height: 860 });
    await page.goto(url);
    await page.getByRole('button', { name: 'Trust this computer' }).click({ timeout: STEP_MS });
    await page.getByTestId('backup-now').click({ timeout: STEP_MS });
    await page.getByTestId('last-outcome').filter({ hasText: 'finished' }).waitFor({ timeout: STEP_MS * 2 });
    expect(fs.existsSync(path.join(backupRoot, device.udid, 'Manifest.db'))).toBe(true);
    // The token in the printed address was spent by this browser: a second opening is refused.
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(403);
  }, 4 * STEP_MS);

  it('turns on "Show this iPhone when on Wi-Fi", keeps one row with a Wi-Fi badge when the cable is out, and backs up over Wi-Fi', async () => {
    expect(await page.getByTestId('connected-over').textContent()).toBe('USB');
    const wifiSwitch = page.getByRole('switch', { name: 'Show this iPhone when on Wi-Fi' });
    expect(await wifiSwitch.getAttribute('aria-checked')).toBe('false');
    await wifiSwitch.click();
    await page.getByRole('switch', { name: 'Show this iPhone when on Wi-Fi', checked: true }).waitFor({ timeout: STEP_MS });
    await vi.waitFor(() => expect(device.hasLink('network')).toBe(true), { timeout: STEP_MS });
    // Both links up: still one phone, used over USB.
    expect(await page.getByTestId('wifi-badge').count()).toBe(0);

    device.setCable(false);
    await page.getByTestId('wifi-badge').waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('device-item').count()).toBe(1);
    expect(await page.getByTestId('connected-over').textContent()).toBe('Wi-Fi');
    await checkScreen(page, 'serve', 'wifi');

    await page.getByTestId('backup-now').click();
    const snapshots = path.join(backupRoot, '.lifeboat', 'snapshots', device.udid);
    await vi.waitFor(() => expect(fs.existsSync(snapshots) ? fs.readdirSync(snapshots) : []).toHaveLength(1), { timeout: STEP_MS * 2, interval: 200 });
    await page.getByTestId('last-outcome').filter({ hasText: 'finished' }).waitFor({ timeout: STEP_MS });
    expect(device.hasLink('usb')).toBe(false);
  }, 4 * STEP_MS);

  it('stops when a service manager sends SIGTERM, after a backup', async () => {
    const child = serve!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    expect(code).toBe(0);
  });
});
