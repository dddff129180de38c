/**
 * The desktop around the window: the tray (status + Back Up Now) and OS notifications, both fed by
 * the core's events. Automatic backup on plug-in is the core's own setting (device-settings:set
 * autoBackup), so the shell only shows what happens.
 */
import type { DeviceView } from '../../shared/contract';
import type { AppCore } from '../core/app-core';
import { showDesktopNotice } from './desktop-notifications';
import { type DesktopNotice, DesktopNoticePlanner } from './desktop-notices';
import { type AppTray, createAppTray } from './tray';
import { type TaskbarProgress, type TrayIconState, TrayState } from './tray-model';

interface DesktopShellOptions {
  readonly core: Pick<AppCore, 'invoke' | 'on'>;
  readonly trayIcons: Readonly<Record<TrayIconState, string>>;
  readonly notificationIcon?: string;
  /** Whether the Lifeboat window has focus (its toasts then say it all). */
  readonly windowFocused: () => boolean;
  /** Shows and focuses the window, creating it if it was closed. */
  readonly openWindow: () => void;
  readonly quit: () => void;
  /** Shows the running job's progress on the window's taskbar button or dock icon. */
  readonly showTaskbarProgress?: (progress: TaskbarProgress) => void;
  /** Test hook: every notice the shell shows is also passed here. */
  readonly onNotice?: (notice: DesktopNotice) => void;
}

export interface DesktopShell {
  /** False where the desktop has no tray area; closing the window then quits. */
  readonly hasTray: boolean;
  dispose(): void;
}

export async function startDesktopShell(options: DesktopShellOptions): Promise<DesktopShell> {
  const { core } = options;
  // Only macOS shows a notification's buttons; elsewhere its click is the action (issue 15 item 5).
  const planner = new DesktopNoticePlanner({ actionButtons: process.platform === 'darwin' });
  const trayState = new TrayState();
  const initial: readonly DeviceView[] = await core.invoke('devices:list', {}).catch(() => []);
  planner.seed(initial);
  trayState.devicesChanged(initial);

  function notify(notice: DesktopNotice | undefined): void {
    if (!notice) return;
    options.onNotice?.(notice);
    showDesktopNotice(notice, { open: () => options.openWindow(), backUp }, options.notificationIcon);
  }

  function backUp(udid: string): void {
    core.invoke('backup:start', { udid }).catch((error: unknown) => {
      const detail = (error as { error?: { message: string; nextStep: string } }).error;
      notify({ title: 'Backup could not start', body: detail ? `${detail.message} ${detail.nextStep}` : String(error), udid, urgent: true });
    });
  }

  let tray: AppTray | undefined;
  try {
    tray = createAppTray(options.trayIcons, {
      open: () => options.openWindow(),
      quit: () => options.quit(),
      backUp,
    });
  } catch {
    // Some Linux desktops have no status area: the app still works, it just quits with its window.
    tray = undefined;
  }
  const refreshTray = () => {
    tray?.update(trayState.model());
    options.showTaskbarProgress?.(trayState.taskbar());
  };
  refreshTray();

  const stops = [
    core.on('devices:changed', ({ devices }) => {
      trayState.devicesChanged(devices);
      refreshTray();
      for (const notice of planner.devicesChanged(devices, { windowFocused: options.windowFocused() })) notify(notice);
    }),
    core.on('job:progress', (progress) => {
      trayState.jobProgress(progress);
      refreshTray();
      notify(planner.jobProgress(progress, { windowFocused: options.windowFocused() }));
    }),
    core.on('job:finished', (finished) => {
      trayState.jobFinished(finished);
      refreshTray();
      notify(planner.jobFinished(finished, { windowFocused: options.windowFocused() }));
    }),
    core.on('password:needed', (request) => notify(planner.passwordNeeded(request, { windowFocused: options.windowFocused() }))),
  ];

  return {
    hasTray: tray !== undefined,
    dispose() {
      for (const stop of stops) stop();
      tray?.destroy();
    },
  };
}
