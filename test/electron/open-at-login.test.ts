import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autostartEntry, autostartPath, createLoginItem, HIDDEN_ARGUMENT, keepLoginItemInStep, launchedHidden } from '../../src/main/electron/open-at-login';
import type { SettingsView } from '../../src/shared/contract';

/** Electron's login-item calls, recorded; `openAtLogin` is what the OS says now. */
function fakeElectron(openAtLogin = false) {
  const calls: Array<{ get?: unknown; set?: unknown }> = [];
  return {
    calls,
    getLoginItemSettings(options?: { args?: string[] }) {
      calls.push({ get: options });
      return { openAtLogin };
    },
    setLoginItemSettings(settings: { openAtLogin: boolean }) {
      calls.push({ set: settings });
      openAtLogin = settings.openAtLogin;
    },
  };
}

describe('open at login', () => {
  const folders: string[] = [];
  const scratch = () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-login-'));
    folders.push(folder);
    return folder;
  };
  afterAll(() => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('puts the Linux entry in $XDG_CONFIG_HOME/autostart, or ~/.config/autostart when it is unset or relative', () => {
    expect(autostartPath({ XDG_CONFIG_HOME: '/x/config' }, '/home/a')).toBe('/x/config/autostart/lifeboat.desktop');
    expect(autostartPath({}, '/home/a')).toBe('/home/a/.config/autostart/lifeboat.desktop');
    expect(autostartPath({ XDG_CONFIG_HOME: 'relative/config' }, '/home/a')).toBe('/home/a/.config/autostart/lifeboat.desktop');
  });

  it('writes an autostart entry that starts Lifeboat hidden, quoting the path as the Desktop Entry spec says, and removes it', () => {
    const configHome = scratch();
    const item = createLoginItem({ platform: 'linux', env: { XDG_CONFIG_HOME: configHome }, homeDir: '/nonexistent', execPath: '/opt/Life Boat/$lifeboat\\bin', electron: fakeElectron() });
    const file = path.join(configHome, 'autostart', 'lifeboat.desktop');
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(true);
    expect(item.isEnabled()).toBe(true);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Lifeboat\n/);
    // Quoted; $ and \ escaped for the shell-like argument rule, then the backslash doubled again for the string rule.
    expect(text).toContain('Exec="/opt/Life Boat/\\\\$lifeboat\\\\\\\\bin" --hidden\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    item.setEnabled(false);
    expect(fs.existsSync(file)).toBe(false);
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(false);
  });

  it('starts the AppImage itself (its mount moves each run), with the app folder for an unpackaged Electron, and treats Hidden=true as off', () => {
    const configHome = scratch();
    const item = createLoginItem({ platform: 'linux', env: { XDG_CONFIG_HOME: configHome, APPIMAGE: '/home/a/Lifeboat.AppImage' }, homeDir: '/nonexistent', execPath: '/tmp/.mount_x/lifeboat', appArgs: ['/src/app'], electron: fakeElectron() });
    item.setEnabled(true);
    const file = path.join(configHome, 'autostart', 'lifeboat.desktop');
    expect(fs.readFileSync(file, 'utf8')).toContain('Exec=/home/a/Lifeboat.AppImage /src/app --hidden\n');
    expect(autostartEntry(['/a', '100%'])).toContain('Exec=/a "100%%"\n');
    fs.appendFileSync(file, 'Hidden=true\n');
    expect(item.isEnabled()).toBe(false);
  });

  it('uses the OS login items on macOS (hidden) and Windows (with --hidden, asked with the same arguments)', () => {
    const mac = fakeElectron();
    const macItem = createLoginItem({ platform: 'darwin', env: {}, homeDir: '/Users/a', execPath: '/Applications/Lifeboat.app/Contents/MacOS/Lifeboat', electron: mac });
    macItem.setEnabled(true);
    expect(macItem.isEnabled()).toBe(true);
    expect(mac.calls[0]).toEqual({ set: { openAtLogin: true, openAsHidden: true } });
    const windows = fakeElectron();
    const windowsItem = createLoginItem({ platform: 'win32', env: {}, homeDir: 'C:\\Users\\a', execPath: 'C:\\Lifeboat\\Lifeboat.exe', electron: windows });
    windowsItem.setEnabled(true);
    expect(windowsItem.isEnabled()).toBe(true);
    expect(windows.calls).toEqual([{ set: { openAtLogin: true, args: [HIDDEN_ARGUMENT] } }, { get: { args: [HIDDEN_ARGUMENT] } }]);
  });

  it('knows a start at login by its argument, or by macOS saying so', () => {
    expect(launchedHidden(['/usr/bin/lifeboat', '--hidden'], false)).toBe(true);
    expect(launchedHidden(['/usr/bin/lifeboat'], true)).toBe(true);
    expect(launchedHidden(['/usr/bin/lifeboat'], false)).toBe(false);
  });

  it('reads the OS state into the setting at start, then applies the setting’s changes to the OS', async () => {
    let listener: ((value: SettingsView) => void) | undefined;
    const saved: unknown[] = [];
    const settings = { backupRoot: '/b', extraFolders: [], retention: { keepLast: 10, keepMonthly: 12 }, theme: 'system', devices: {}, openAtLogin: false } as SettingsView;
    const core = {
      invoke: (async (channel: string, args: unknown) => {
        if (channel === 'settings:set') saved.push(args);
        return settings;
      }) as never,
      on: ((_event: string, callback: (value: SettingsView) => void) => {
        listener = callback;
        return () => (listener = undefined);
      }) as never,
    };
    // Turned on in the OS's own settings while Lifeboat was not running: the OS wins.
    const electron = fakeElectron(true);
    const item = createLoginItem({ platform: 'darwin', env: {}, homeDir: '/Users/a', execPath: '/L', electron });
    const logged: string[] = [];
    const stop = await keepLoginItemInStep(core, item, (line) => logged.push(line));
    expect(saved).toEqual([{ openAtLogin: true }]);
    listener!({ ...settings, openAtLogin: false });
    expect(item.isEnabled()).toBe(false);
    listener!({ ...settings, openAtLogin: false });
    expect(electron.calls.filter((call) => call.set)).toHaveLength(1);
    const failing = { isEnabled: () => false, setEnabled: () => { throw new Error('read-only file system'); } };
    stop();
    expect(listener).toBeUndefined();
    await keepLoginItemInStep(core, failing, (line) => logged.push(line));
    listener!({ ...settings, openAtLogin: true });
    expect(logged).toEqual(['Open at login could not be turned on: read-only file system']);
  });
});
