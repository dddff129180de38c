import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type AppCore, createAppCore } from '../src/main/core/app-core';
import { startWebBridge, type WebBridge } from '../src/main/web';
import type { JobFinished } from '../src/shared/contract';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import { type SimHarness, startSimHarness } from '../test/helpers/sim-harness';
import { buildRendererInto, RENDERER_BUILD_ENV } from './renderer-build';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

/** A renderer build for one test file; `release` removes it when the file made its own. */
export interface RendererBuild {
  readonly dir: string;
  release(): void;
}

/**
 * The renderer build this run's browser files share (e2e/renderer-build.ts), or, outside that
 * set-up, a private one: test files run in parallel, and two builds emptying the same dist/renderer
 * would pull the page out from under the other.
 */
export async function rendererBuild(): Promise<RendererBuild> {
  const shared = process.env[RENDERER_BUILD_ENV];
  if (shared !== undefined && fs.existsSync(path.join(shared, 'index.html'))) return { dir: shared, release: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-renderer-'));
  await buildRendererInto(dir);
  return { dir, release: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Headless Chromium with a fresh profile; close() also removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`Skipping the browser e2e: ${CHROMIUM} is missing (apt-get install chromium).`);

/** How long one step of a flow may take when eight people share two cores. */
export const STEP_MS = 60_000;

/** The two ends of the window sizes Lifeboat must hold (issue 12). */
export const SIZES = [
  { width: 800, height: 600 },
  { width: 1600, height: 1000 },
] as const;

/** The next job:finished from the core, of `kind` when given. */
export function nextJobFinished(core: AppCore, kind?: JobFinished['kind']): Promise<JobFinished> {
  return new Promise((resolve) => {
    const off = core.on('job:finished', (finished) => {
      if (kind !== undefined && finished.kind !== kind) return;
      off();
      resolve(finished);
    });
  });
}

/** The app in web mode as a browser test drives it: a virtual iPhone, the core, the bridge and one page. */
export interface WebApp {
  readonly harness: SimHarness;
  readonly device: VirtualDevice;
  readonly backupRoot: string;
  readonly core: AppCore;
  readonly bridge: WebBridge;
  readonly page: Page;
  /** Closes everything in reverse order and removes a private renderer build; safe after a failed start. */
  close(): Promise<void>;
}

export interface WebAppOptions {
  /** The virtual iPhone's options (seed, iOS version…). */
  readonly sim?: Parameters<typeof startSimHarness>[0];
  /** Unplugs the phone before the core starts, for tests that watch it arrive. */
  readonly unplugged?: boolean;
  /** Runs on the new core before any window is attached (event recorders). */
  readonly onCore?: (core: AppCore) => void;
  readonly viewport?: { readonly width: number; readonly height: number };
  /** A schedule's clock and time zone for the core (e2e/web-schedule.test.ts moves time by hand). */
  readonly core?: Pick<NonNullable<Parameters<typeof createAppCore>[0]>, 'clock' | 'timeZone'>;
}

/**
 * One browser test file's whole setup: its own renderer build, a virtual iPhone, the core in web
 * mode over the bridge, and a page of headless Chromium (page errors printed). Each test file
 * starts one and reuses it for all its tests.
 */
export async function startWebApp(options: WebAppOptions = {}): Promise<WebApp> {
  const closers: Array<() => Promise<unknown> | void> = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await Promise.resolve(closer()).catch(() => undefined);
  };
  try {
    const renderer = await rendererBuild();
    closers.push(() => renderer.release());
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const harness = await startSimHarness(options.sim);
    closers.push(() => harness.cleanup());
    const device = harness.sim.device(harness.sim.devices()[0]!.udid);
    if (options.unplugged) device.unplug();
    const backupRoot = path.join(harness.workDir, 'backups');
    const core = await createAppCore({ muxAddress: harness.sim.address, backupRoot, settingsPath: path.join(harness.workDir, 'settings.json'), mode: 'web', ...options.core });
    closers.push(() => core.close());
    options.onCore?.(core);
    const bridge = await startWebBridge({ core, staticDir: renderer.dir });
    closers.push(() => bridge.close());
    const browser = await launchBrowser();
    closers.push(() => browser.close());
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    if (options.viewport) await page.setViewportSize(options.viewport);
    return { harness, device, backupRoot, core, bridge, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
