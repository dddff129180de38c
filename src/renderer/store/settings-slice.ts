import type { BackupMoveProgress, FolderListingView, SettingsView, ThemePreference } from '../../shared/contract';
import type { SettingsState, SliceContext } from './store-types';

export const initialSettings: SettingsState = { value: undefined, theme: 'system' };

/** `/a/b/c`, `/a/b`, `/a` (not `/`: the chooser's first allowed place comes before the disk's top). */
function folderAndParents(folder: string): string[] {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  const parts = folder.split(separator);
  const chain: string[] = [];
  for (let end = parts.length; end > 1; end--) {
    const candidate = parts.slice(0, end).join(separator);
    if (candidate !== '' && !chain.includes(candidate)) chain.push(candidate);
  }
  return chain;
}

export function settingsActions({ api, set, attempt }: SliceContext) {
  const settingsChanged = (value: SettingsView): void => set('settings/changed', (state) => ({ settings: { ...state.settings, value, theme: value.theme } }));
  return {
    settingsChanged,
    async loadSettings(): Promise<void> {
      const value = await attempt(() => api.invoke('settings:get', {}));
      if (value) settingsChanged(value);
    },
    async saveSettings(patch: { backupRoot?: string; retention?: { keepLast: number | null; keepMonthly?: number }; photoImportFolder?: string; openAtLogin?: boolean; openAtLoginOffered?: boolean }): Promise<boolean> {
      const value = await attempt(() => api.invoke('settings:set', patch));
      if (value) settingsChanged(value);
      return value !== undefined;
    },
    async setTheme(theme: ThemePreference): Promise<void> {
      set('settings/theme-changed', (state) => ({ settings: { ...state.settings, theme } }));
      await attempt(() => api.invoke('settings:set', { theme }));
    },
    /** Turns encryption on or off; returns true when the phone accepted it. */
    async setEncryption(udid: string, enabled: boolean, password: string): Promise<boolean> {
      const view = await attempt(() => api.invoke('encryption:set', { udid, enabled, password }));
      if (view) {
        set('settings/encryption-changed', (state) => ({
          devices: { ...state.devices, list: state.devices.list.map((d) => (d.udid === udid ? { ...d, encryptionEnabled: view.enabled } : d)) },
        }));
      }
      return view !== undefined;
    },
    /** The desktop app's native folder dialog: the folder, null when cancelled, undefined in web mode (use the web chooser). */
    async pickFolder(title: string, defaultPath?: string): Promise<string | null | undefined> {
      const picked = await attempt(() => api.invoke('folders:pick', defaultPath ? { title, defaultPath } : { title }));
      if (!picked?.native) return undefined;
      return picked.path ?? null;
    },
    /** One folder's sub-folders for the web chooser; undefined (and an error shown) when refused. */
    async listFolders(folder?: string): Promise<FolderListingView | undefined> {
      return attempt(() => api.invoke('folders:list', folder ? { path: folder } : {}));
    },
    /**
     * Where the web chooser opens: `start` (the folder in use), else its nearest parent that may be
     * shown, else the first allowed place. A saved folder whose disk is unplugged is the usual reason
     * to open the chooser, so that it is gone is no error here ("does not exist. Refresh the list"
     * greeted the person who was doing just what the Settings sentence asked).
     */
    async listFoldersNear(start?: string): Promise<FolderListingView | undefined> {
      for (const folder of start ? folderAndParents(start) : []) {
        const listing = await api.invoke('folders:list', { path: folder }).catch(() => undefined);
        if (listing) return listing;
      }
      return attempt(() => api.invoke('folders:list', {}));
    },
    /** A new backup folder: move the backups there, or keep them where they are (listed as an added folder). */
    async changeBackupRoot(backupRoot: string, existing: 'move' | 'keep'): Promise<boolean> {
      set('settings/move-started', (state) => ({ settings: { ...state.settings, moveProgress: undefined } }));
      const value = await attempt(() => api.invoke('settings:change-backup-root', { backupRoot, existing }));
      if (value) settingsChanged(value);
      return value !== undefined;
    },
    moveProgressed(moveProgress: BackupMoveProgress): void {
      set('settings/move-progressed', (state) => ({ settings: { ...state.settings, moveProgress } }));
    },
    async changePassword(udid: string, oldPassword: string, newPassword: string): Promise<boolean> {
      return (await attempt(() => api.invoke('encryption:change-password', { udid, oldPassword, newPassword }))) !== undefined;
    },
  };
}
