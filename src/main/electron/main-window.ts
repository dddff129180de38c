/**
 * The one Lifeboat window: sandboxed, context-isolated, no Node, web security on, the preload as
 * its only bridge; it cannot navigate away, open windows or attach webviews (links to a few help
 * sites open in the person's browser instead).
 */
import { BrowserWindow, shell, type WebContents } from 'electron';
import { APP_ENTRY_URL } from './app-origin';
import { externalLinkFor, isNavigationAllowed } from './navigation-policy';
import type { TaskbarProgress } from './tray-model';

interface MainWindowOptions {
  readonly preloadPath: string;
  readonly iconPath?: string;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 860,
    minWidth: 820,
    minHeight: 600,
    title: 'Lifeboat',
    show: false,
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    webPreferences: {
      preload: options.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

/**
 * Applied to every webContents the app ever creates (app 'web-contents-created'), so a future
 * second window or a devtools slip gets the same rules.
 */
export function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isNavigationAllowed(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isNavigationAllowed(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalLinkFor(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
}

/**
 * The taskbar button / dock icon progress: Electron removes the bar below 0 and shows it
 * indeterminate above 1 (the `mode` option says the same to Windows explicitly).
 */
export function showWindowProgress(window: BrowserWindow, progress: TaskbarProgress): void {
  if (window.isDestroyed()) return;
  switch (progress.mode) {
    case 'none':
      return window.setProgressBar(-1, { mode: 'none' });
    case 'indeterminate':
      return window.setProgressBar(2, { mode: 'indeterminate' });
    case 'normal':
      return window.setProgressBar(progress.fraction, { mode: 'normal' });
  }
}
