/**
 * Lifeboat's Electron main process: one instance, one window, the app core behind typed IPC, and
 * the tray and notifications around it. Everything that can run without Electron lives in plain
 * modules next to this file (and is tested); this file is lifecycle glue.
 *
 * Environment (for tests and power users): USBMUXD_SOCKET_ADDRESS (which usbmuxd, §1.1),
 * LIFEBOAT_BACKUP_ROOT, LIFEBOAT_USER_DATA_DIR (moves settings and remembered passwords),
 * `--hidden` (given by the login item: start in the tray without a window),
 * LIFEBOAT_E2E=1 (desktop notices are also shown while the window is focused, and recorded in
 * `globalThis.lifeboatDesktopNotices` for the e2e test to read, and `globalThis.lifeboatStartedHidden`
 * set once a --hidden start has settled in the tray).
 */
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, session, shell } from 'electron';
import { type AppCore, createAppCore } from '../core/app-core';
import { hardenSession, registerAppScheme, serveRenderer } from './app-protocol';
import type { DesktopNotice } from './desktop-notices';
import { type DesktopShell, startDesktopShell } from './desktop-shell';
import { pickFolderNatively } from './folder-picker';
import { forwardEventsToWindow, registerIpcHandlers } from './ipc-adapter';
import { keepRunningWithoutWindows } from './lifecycle-policy';
import { createMainWindow, lockDownContents, showWindowProgress } from './main-window';
import { createLoginItem, keepLoginItemInStep, launchedHidden } from './open-at-login';
import { FilePasswordVault, PASSWORD_VAULT_FILE, type PasswordVault } from './password-vault';
import { safeStorageCipher } from './safe-storage-cipher';

const e2e = process.env.LIFEBOAT_E2E === '1';
if (process.env.LIFEBOAT_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.LIFEBOAT_USER_DATA_DIR));

// The folder holding package.json: the repo in development, the asar archive when packaged.
const appRoot = app.getAppPath();
const paths = {
  renderer: path.join(appRoot, 'dist', 'renderer'),
  preload: path.join(appRoot, 'dist', 'preload', 'preload.cjs'),
  icon: path.join(appRoot, 'assets', 'icon.png'),
  tray: {
    idle: path.join(appRoot, 'assets', 'tray', 'tray-idle.png'),
    busy: path.join(appRoot, 'assets', 'tray', 'tray-busy.png'),
    error: path.join(appRoot, 'assets', 'tray', 'tray-error.png'),
  },
};

let core: AppCore | undefined;
let mainWindow: BrowserWindow | undefined;
let desktop: DesktopShell | undefined;
let unregisterIpc: (() => void) | undefined;
let stopLoginItemSync: (() => void) | undefined;
let quitting = false;

// "Open at login, in the tray" (open-at-login.ts): the login item starts the same program with --hidden.
const loginItem = createLoginItem({
  platform: process.platform,
  env: process.env,
  homeDir: os.homedir(),
  execPath: process.execPath,
  appArgs: app.isPackaged ? [] : [app.getAppPath()],
  electron: app,
});
const startHidden = launchedHidden(process.argv, process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);


registerAppScheme();
// Windows shows notifications only for an app with an AppUserModelID; the installer registers this one.
if (process.platform === 'win32') app.setAppUserModelId('app.lifeboat.desktop');

if (!app.requestSingleInstanceLock()) {
  // A second launch hands over to the first (it gets 'second-instance' and shows its window).
  app.quit();
} else {
  app.on('second-instance', () => openWindow());
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
  app.on('window-all-closed', () => {
    void windowsClosed();
  });
  app.on('activate', () => openWindow());
  app.on('before-quit', (event) => {
    if (quitting || !core) return;
    event.preventDefault();
    quitting = true;
    void shutDown().finally(() => app.quit());
  });
  app.whenReady().then(start, (error: unknown) => fatal(error));
}

async function start(): Promise<void> {
  try {
    hardenSession(session.defaultSession);
    serveRenderer(session.defaultSession, paths.renderer);
    // Remembered backup passwords, encrypted by the OS keychain (safeStorage); the core asks it before asking the person.
    const passwordVault: PasswordVault = new FilePasswordVault(path.join(app.getPath('userData'), PASSWORD_VAULT_FILE), safeStorageCipher);
    core = await createAppCore({
      mode: 'electron',
      passwordVault,
      version: app.getVersion(),
      settingsPath: path.join(app.getPath('userData'), 'settings.json'),
      log: (line) => console.error(line),
      pickFolder: (options) => pickFolderNatively(mainWindow, options),
    });
    // showItemInFolder only selects the item in the file manager; openPath would open it with its
    // default program, which for a file planted where a backup folder should be means running it.
    unregisterIpc = registerIpcHandlers(core, {
      reveal: async (folder) => {
        shell.showItemInFolder(folder);
        return true;
      },
    });
    const notices: DesktopNotice[] = [];
    if (e2e) (globalThis as { lifeboatDesktopNotices?: DesktopNotice[] }).lifeboatDesktopNotices = notices;
    desktop = await startDesktopShell({
      core,
      trayIcons: paths.tray,
      notificationIcon: paths.icon,
      windowFocused: () => !e2e && mainWindow !== undefined && !mainWindow.isDestroyed() && mainWindow.isFocused(),
      openWindow,
      quit: () => app.quit(),
      showTaskbarProgress: (progress) => {
        if (mainWindow) showWindowProgress(mainWindow, progress);
      },
      onNotice: (notice) => notices.push(notice),
    });
    stopLoginItemSync = await keepLoginItemInStep(core, loginItem, (line) => console.error(line));
    // Started at login: stay in the tray until asked (without a tray there would be no way back in).
    if (startHidden && desktop.hasTray) {
      if (e2e) (globalThis as { lifeboatStartedHidden?: boolean }).lifeboatStartedHidden = true;
    } else {
      openWindow();
    }
  } catch (error) {
    fatal(error);
  }
}

function openWindow(): void {
  if (!core) return;
  if (mainWindow && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    return;
  }
  const window = createMainWindow({ preloadPath: paths.preload, iconPath: paths.icon });
  forwardEventsToWindow(core, window);
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
  mainWindow = window;
}

/** Keeps watching for phones from the tray when automatic backup needs it (lifecycle-policy.ts). */
async function windowsClosed(): Promise<void> {
  const settings = core ? await core.invoke('settings:get', {}).catch(() => undefined) : undefined;
  if (!keepRunningWithoutWindows({ platform: process.platform, hasTray: desktop?.hasTray ?? false, settings })) app.quit();
}

async function shutDown(): Promise<void> {
  desktop?.dispose();
  stopLoginItemSync?.();
  unregisterIpc?.();
  await core?.close().catch(() => undefined);
  core = undefined;
}

function fatal(error: unknown): void {
  console.error(`Lifeboat could not start: ${error instanceof Error ? error.message : String(error)}`);
  app.exit(1);
}
