/**
 * "Open at login, in the tray" (issue 15 item 5): schedules and backups on plug-in need Lifeboat
 * running. macOS and Windows keep login items themselves (Electron's app.setLoginItemSettings);
 * Linux desktops start what the XDG autostart folder holds (`$XDG_CONFIG_HOME/autostart`, by default
 * `~/.config/autostart`, per the XDG Autostart spec), so there it is a .desktop file. Plain Node with
 * Electron's calls passed in, so it is tested without Electron. The setting in settings.json is what
 * the window shows; the OS is what happens, so at start the OS's answer wins (a person may have
 * removed the item in System Settings) and later changes of the setting are applied to the OS.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AppCore } from '../core/app-core';

/** Given to the login item: start hidden in the tray (main.ts reads it). */
export const HIDDEN_ARGUMENT = '--hidden';

/** The part of Electron's `app` this needs. */
interface ElectronLoginItems {
  getLoginItemSettings(options?: { args?: string[] }): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[]; openAsHidden?: boolean }): void;
}

interface LoginItemOptions {
  readonly platform: NodeJS.Platform;
  /** XDG_CONFIG_HOME, and APPIMAGE (an AppImage runs from a new mount each time: start the image itself). */
  readonly env: NodeJS.ProcessEnv;
  readonly homeDir: string;
  /** The program to start at login (process.execPath). */
  readonly execPath: string;
  /** Arguments before --hidden: the app's folder when running an unpackaged Electron. */
  readonly appArgs?: readonly string[];
  readonly electron: ElectronLoginItems;
}

export interface LoginItem {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

/** Where the Linux autostart entry lives; a relative XDG_CONFIG_HOME is ignored, as the spec says. */
export function autostartPath(env: NodeJS.ProcessEnv, homeDir: string): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homeDir, '.config');
  return path.join(configHome, 'autostart', 'lifeboat.desktop');
}

/**
 * One argument of a desktop entry's Exec key: quoted when it holds anything but plain characters,
 * with `"`, backtick, `$` and `\` escaped; then the string-value escaping (a backslash doubled again)
 * and `%` doubled so it is not read as a field code (Desktop Entry spec, "The Exec key").
 */
function execArgument(argument: string): string {
  const quoted = /^[A-Za-z0-9_\-./=:,+@]+$/.test(argument) ? argument : `"${argument.replace(/[\\"`$]/g, '\\$&')}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Lifeboat',
    'Comment=Backs up iPhones when they are connected and on their schedule',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Icon=lifeboat',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function createLoginItem(options: LoginItemOptions): LoginItem {
  const { platform, electron } = options;
  if (platform === 'darwin' || platform === 'win32') {
    // Windows matches a login item by its arguments too, so it is asked with the same ones.
    const args = platform === 'win32' ? [...(options.appArgs ?? []), HIDDEN_ARGUMENT] : undefined;
    return {
      isEnabled: () => electron.getLoginItemSettings(args ? { args } : undefined).openAtLogin,
      setEnabled: (enabled) => electron.setLoginItemSettings(args ? { openAtLogin: enabled, args } : { openAtLogin: enabled, openAsHidden: true }),
    };
  }
  const file = autostartPath(options.env, options.homeDir);
  const program = options.env.APPIMAGE && path.isAbsolute(options.env.APPIMAGE) ? options.env.APPIMAGE : options.execPath;
  return {
    isEnabled() {
      try {
        return !/^Hidden=true$/m.test(fs.readFileSync(file, 'utf8'));
      } catch {
        return false;
      }
    },
    setEnabled(enabled) {
      if (!enabled) return fs.rmSync(file, { force: true });
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, autostartEntry([program, ...(options.appArgs ?? []), HIDDEN_ARGUMENT]), { mode: 0o644 });
      fs.renameSync(temporary, file);
    },
  };
}

/** Started at login in the tray: the argument the login item passes, or macOS saying it opened it at login. */
export function launchedHidden(argv: readonly string[], openedAtLoginByMacOS: boolean): boolean {
  return argv.includes(HIDDEN_ARGUMENT) || openedAtLoginByMacOS;
}

/**
 * Keeps the OS's login item and the openAtLogin setting in step: the OS's state is read into the
 * setting at start, and each later change of the setting is applied to the OS. Returns the unsubscribe.
 */
export async function keepLoginItemInStep(core: Pick<AppCore, 'invoke' | 'on'>, item: LoginItem, log: (line: string) => void): Promise<() => void> {
  const settings = await core.invoke('settings:get', {});
  const inOs = item.isEnabled();
  if ((settings.openAtLogin ?? false) !== inOs) await core.invoke('settings:set', { openAtLogin: inOs });
  return core.on('settings:changed', (value) => {
    if (value.openAtLogin === undefined || value.openAtLogin === item.isEnabled()) return;
    try {
      item.setEnabled(value.openAtLogin);
    } catch (error) {
      log(`Open at login could not be ${value.openAtLogin ? 'turned on' : 'turned off'}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
