/**
 * The built Electron main (dist/main/electron/main.js, as `npm start` and the packaged app run it)
 * loaded by plain Node with a recording stand-in for the `electron` module: no tsx, real Node ESM
 * resolution of better-sqlite3 and the other packages, the real app core against the virtual
 * iPhone. Covers what the Electron-only e2e covers except the renderer, on machines without the
 * Electron binary.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../src/shared/contract';
import { buildElectron } from '../../scripts/build-electron';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER = path.join(REPO_ROOT, 'test', 'electron', 'fixtures', 'run-main.mjs');
const STEP_MS = 60_000;

/** One forked main process and a typed way to poke it. */
interface MainUnderTest {
  readonly child: ChildProcess;
  readonly output: string[];
  call<T = Record<string, unknown>>(action: string, input?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

async function startMain(mainFile: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<MainUnderTest> {
  const child = fork(RUNNER, [mainFile, ...args], { env, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const waiters = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (message.ready) resolve();
      const waiter = message.id === undefined ? undefined : waiters.get(message.id);
      if (!waiter) return;
      waiters.delete(message.id!);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error));
    });
    child.on('exit', (code) => reject(new Error(`The main process exited (${code}) before it was ready:\n${output.join('')}`)));
  });
  await ready;
  return {
    child,
    output,
    call: <T,>(action: string, input?: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiters.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, action, input });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface ShellState {
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[];
  ipcChannels: string[];
  protocolSchemes: string[];
  blockedRequests: string[];
  windows: { options: { webPreferences: Record<string, unknown> }; url: string; shown: boolean; progressBars: { progress: number; mode: string }[] }[];
  sentEvents: string[];
  notifications: { title: string; body: string }[];
  desktopNotices: { title: string; udid?: string }[];
  trays: { tooltip: string; menu: { label?: string; enabled?: boolean }[] }[];
  quitCalls: number;
  openedPaths: string[];
  shownInFolder: string[];
  openedExternal: string[];
  openDialogs: { properties: string[]; title: string; withWindow: boolean }[];
  appEvents: string[];
}

type Envelope = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

describe('the built Electron main under plain Node', () => {
  let appRoot: string;
  let mainFile: string;
  let harness: SimHarness;
  let main: MainUnderTest;
  let udid: string;
  let baseEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // A throwaway app folder shaped like the packaged app: package.json (ESM), dist/, node_modules.
    appRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    fs.writeFileSync(path.join(appRoot, 'package.json'), JSON.stringify({ name: 'lifeboat', type: 'module' }));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(appRoot, 'node_modules'), 'dir');
    fs.mkdirSync(path.join(appRoot, 'dist', 'renderer', 'assets'), { recursive: true });
    fs.writeFileSync(path.join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Lifeboat</title><div id="root"></div>');
    fs.writeFileSync(path.join(appRoot, 'secret.txt'), 'not for the window');
    const built = await buildElectron({ outRoot: path.join(appRoot, 'dist') });
    mainFile = built.mainFile!;

    harness = await startSimHarness();
    udid = harness.sim.devices()[0]!.udid;
    harness.sim.device(udid).unplug();
    baseEnv = {
      ...harness.env,
      LIFEBOAT_BACKUP_ROOT: path.join(harness.workDir, 'backups'),
      LIFEBOAT_USER_DATA_DIR: path.join(harness.workDir, 'user-data'),
      LIFEBOAT_E2E: '1',
      FAKE_ELECTRON_APP_PATH: appRoot,
      // Where "Open at login" writes its autostart entry on Linux: never the real ~/.config.
      XDG_CONFIG_HOME: path.join(harness.workDir, 'config'),
    };
    main = await startMain(mainFile, baseEnv);
  });

  afterAll(async () => {
    await main?.stop();
    await harness?.cleanup();
    if (appRoot) fs.rmSync(appRoot, { recursive: true, force: true });
  });

  const state = () => main.call<ShellState>('state');
  const invoke = (channel: string, args: unknown, senderUrl?: string) => main.call<Envelope>('invoke', { channel, args, ...(senderUrl ? { senderUrl } : {}) });

  it('registers the app:// scheme, one handler per contract channel, and a locked-down window', async () => {
    const now = await state();
    expect(now.privilegedSchemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(now.protocolSchemes).toEqual(['app']);
    expect([...now.ipcChannels].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(now.windows).toHaveLength(1);
    const window = now.windows[0]!;
    expect(window.url).toBe('app://lifeboat/index.html');
    expect(window.shown).toBe(true);
    expect(window.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(window.options.webPreferences.preload).toBe(path.join(appRoot, 'dist', 'preload', 'preload.cjs'));
    expect(fs.existsSync(window.options.webPreferences.preload as string)).toBe(true);
    expect(now.blockedRequests).toEqual(expect.arrayContaining(['http://*/*', 'https://*/*']));
    expect(now.appEvents).toEqual(expect.arrayContaining(['second-instance', 'web-contents-created', 'before-quit', 'window-all-closed']));
  });

  it('serves the renderer with the CSP and nothing outside it', async () => {
    const page = await main.call<{ status: number; csp: string; type: string; body: string }>('fetch', { url: 'app://lifeboat/index.html' });
    expect(page).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/html/) });
    expect(page.body).toContain('<div id="root">');
    expect(page.csp).toContain("script-src 'self'");
    const climb = await main.call<{ status: number; body: string }>('fetch', { url: 'app://lifeboat/..%2f..%2fsecret.txt' });
    expect(climb.body).not.toContain('not for the window');
    expect((await main.call<{ status: number }>('fetch', { url: 'app://lifeboat/assets/missing.js' })).status).toBe(404);
  });

  it('keeps the window on its own pages and denies new windows and permissions', async () => {
    expect(await main.call('navigate', { url: 'https://evil.example/' })).toEqual({ prevented: true });
    expect(await main.call('navigate', { url: 'app://lifeboat/index.html' })).toEqual({ prevented: false });
    expect(await main.call('openWindow', { url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(await main.call('openWindow', { url: 'https://support.apple.com/en-us/108313' })).toEqual({ action: 'deny' });
    expect(await main.call('permission', { permission: 'media' })).toBe(false);
    expect((await state()).openedExternal).toEqual(['https://support.apple.com/en-us/108313']);
  });

  it('answers our window from the real core and refuses a stranger', async () => {
    const info = await invoke('app:info', {});
    expect(info).toEqual({ ok: true, value: expect.objectContaining({ name: 'Lifeboat', mode: 'electron', version: '0.0.0-test' }) });
    expect(await invoke('devices:list', {}, 'https://evil.example/')).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await invoke('backup:start', { udid: 'not a udid!' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });

  it('chooses folders with the operating system\'s own dialog, attached to the window', async () => {
    expect(await invoke('folders:pick', { title: 'Choose the backup folder' })).toEqual({ ok: true, value: { native: true, path: '/home/someone/Chosen Backups' } });
    expect((await state()).openDialogs).toEqual([{ properties: ['openDirectory', 'createDirectory', 'promptToCreate'], title: 'Choose the backup folder', withWindow: true }]);
  });

  it('plug in → notice → trust → Back Up Now from the tray → progress in the window → finished notice → history', async () => {
    harness.sim.device(udid).plug();
    await expect.poll(async () => (await state()).desktopNotices.map((notice) => notice.title), { timeout: STEP_MS }).toContain('iPhone connected');
    expect((await state()).notifications.map((notification) => notification.title)).toContain('iPhone connected');

    const paired = await invoke('devices:pair', { udid });
    expect(paired).toMatchObject({ ok: true, value: { udid, trust: 'trusted' } });
    await expect.poll(async () => (await state()).trays[0]?.menu.find((item) => item.label === 'Back Up Now')?.enabled, { timeout: STEP_MS }).toBe(true);

    expect(await main.call('trayClick', { label: 'Back Up Now' })).toEqual({ clicked: true });
    await expect.poll(async () => (await state()).notifications.map((notification) => notification.title), { timeout: STEP_MS * 2 }).toContain('Backup finished');
    const after = await state();
    expect(after.sentEvents).toEqual(expect.arrayContaining(['devices:changed', 'job:progress', 'job:finished', 'notify']));
    expect(after.trays[0]!.tooltip).toMatch(/^Lifeboat — /);
    // The taskbar button followed the backup (a fraction, or indeterminate while preparing) and was cleared at the end.
    const bars = after.windows[0]!.progressBars;
    expect(bars.some((bar) => bar.mode === 'normal' && bar.progress > 0 && bar.progress <= 1)).toBe(true);
    expect(bars.at(-1)).toEqual({ progress: -1, mode: 'none' });

    const history = await invoke('backups:list', { udid });
    expect(history.ok).toBe(true);
    const backups = (history as { value: { id: string; path: string; status: string }[] }).value;
    expect(backups).toHaveLength(1);
    // Inspected on the bundled backup-reader-worker.js thread; a thread that failed to load would list it as damaged.
    expect(backups[0]!.status).toBe('complete');
    expect(fs.existsSync(path.join(backups[0]!.path, 'Manifest.db'))).toBe(true);
    expect(await invoke('backups:reveal', { backupId: backups[0]!.id })).toMatchObject({ ok: true, value: { revealed: true } });
    // Shown in the file manager, never opened with a program (openPath would run a planted file).
    expect((await state()).shownInFolder).toEqual([backups[0]!.path]);
    expect((await state()).openedPaths).toEqual([]);
  });

  it('writes and removes the XDG autostart entry as "Open at login, in the tray" is turned on and off', async () => {
    const entry = path.join(harness.workDir, 'config', 'autostart', 'lifeboat.desktop');
    expect(fs.existsSync(entry)).toBe(false);
    expect(await invoke('settings:set', { openAtLogin: true, openAtLoginOffered: true })).toMatchObject({ ok: true, value: { openAtLogin: true } });
    await expect.poll(() => fs.existsSync(entry)).toBe(true);
    expect(fs.readFileSync(entry, 'utf8')).toMatch(/^Exec=\S+ --hidden$/m);
    await invoke('settings:set', { openAtLogin: false });
    await expect.poll(() => fs.existsSync(entry)).toBe(false);
  });

  it('backs the phone up when its "iPhone connected" notification is clicked (no buttons on Linux)', async () => {
    const device = harness.sim.device(udid);
    const before = (await state()).notifications.length;
    device.unplug();
    await expect.poll(async () => ((await invoke('devices:list', {})) as { value: { connected: boolean }[] }).value.some((view) => view.connected), { timeout: STEP_MS }).toBe(false);
    device.plug();
    await expect.poll(async () => (await state()).notifications.slice(before).map((notification) => notification.body), { timeout: STEP_MS }).toContainEqual(expect.stringMatching(/is connected\. Click to back it up now\.$/));
    expect(await main.call('notificationClick', { title: 'iPhone connected' })).toMatchObject({ clicked: true });
    const jobs = async () => ((await invoke('jobs:list', {})) as { value: { jobId: string; udid: string; kind: string }[] }).value;
    await expect.poll(async () => (await jobs()).map((job) => [job.udid, job.kind]), { timeout: STEP_MS }).toEqual([[udid, 'backup']]);
    // Enough that it started; cancelled so the file stays short (the previous backup is kept whole).
    await invoke('backup:cancel', { jobId: (await jobs())[0]!.jobId });
    await expect.poll(jobs, { timeout: STEP_MS }).toEqual([]);
  });

  it('closes the core and removes its IPC handlers before it quits', async () => {
    expect(await main.call('quit')).toEqual({ prevented: true, quitCalls: 1 });
    expect(await invoke('devices:list', {})).toEqual({ missing: true });
    expect((await state()).ipcChannels).toEqual([]);
  });

  it('starts in the tray without a window when the login item starts it (--hidden)', async () => {
    const hidden = await startMain(mainFile, { ...baseEnv, LIFEBOAT_USER_DATA_DIR: path.join(harness.workDir, 'user-data-hidden') }, ['--hidden']);
    try {
      const now = await hidden.call<ShellState>('state');
      expect(now.trays).toHaveLength(1);
      expect(now.windows).toEqual([]);
      expect(now.ipcChannels.length).toBeGreaterThan(0);
    } finally {
      await hidden.stop();
    }
  });

  it('hands over to the running instance when started twice', async () => {
    const second = await startMain(mainFile, { ...baseEnv, FAKE_ELECTRON_SECOND_INSTANCE: '1' });
    try {
      const now = await second.call<ShellState>('state');
      expect(now.quitCalls).toBe(1);
      expect(now.ipcChannels).toEqual([]);
      expect(now.windows).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
