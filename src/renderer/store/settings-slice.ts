import type { SettingsView, ThemePreference } from '../../shared/contract';
import type { SettingsState, SliceContext } from './store-types';

export const initialSettings: SettingsState = { value: undefined, theme: 'system' };

export function settingsActions({ api, set, attempt }: SliceContext) {
  const settingsChanged = (value: SettingsView): void => set('settings/changed', (state) => ({ settings: { ...state.settings, value, theme: value.theme } }));
  return {
    settingsChanged,
    async loadSettings(): Promise<void> {
      const value = await attempt(() => api.invoke('settings:get', {}));
      if (value) settingsChanged(value);
    },
    async saveSettings(patch: { backupRoot?: string; retention?: { keepLast: number | null }; photoImportFolder?: string }): Promise<boolean> {
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
    async changePassword(udid: string, oldPassword: string, newPassword: string): Promise<boolean> {
      return (await attempt(() => api.invoke('encryption:change-password', { udid, oldPassword, newPassword }))) !== undefined;
    },
  };
}
