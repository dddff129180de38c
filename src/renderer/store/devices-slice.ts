import type { BackupScheduleView, DeviceSettingsView, DeviceView } from '../../shared/contract';
import type { DevicesState, SliceContext } from './store-types';

export const initialDevices: DevicesState = { list: [], selectedUdid: undefined, loaded: false, pairing: {} };

/** Keeps the selection on a phone that still exists, else the first plugged-in one. */
function pickSelection(list: readonly DeviceView[], current: string | undefined): string | undefined {
  if (current && list.some((device) => device.udid === current)) return current;
  return (list.find((device) => device.connected) ?? list[0])?.udid;
}

export function devicesActions({ api, set, get, attempt }: SliceContext) {
  const devicesChanged = (list: readonly DeviceView[]): void => {
    set('devices/changed', (state) => ({ devices: { ...state.devices, list, loaded: true, selectedUdid: pickSelection(list, state.devices.selectedUdid) } }));
  };
  const replaceDevice = (action: 'devices/paired' | 'devices/settings-changed' | 'devices/settings-reverted' | 'devices/wifi-changed', device: DeviceView): void => {
    set(action, (state) => ({ devices: { ...state.devices, list: state.devices.list.map((d) => (d.udid === device.udid ? device : d)) } }));
  };
  return {
    devicesChanged,
    selectDevice(udid: string): void {
      set('devices/selected', (state) => ({ devices: { ...state.devices, selectedUdid: udid }, ui: { ...state.ui, screen: 'device' } }));
    },
    async loadDevices(): Promise<void> {
      const list = await attempt(() => api.invoke('devices:list', {}));
      if (list) devicesChanged(list);
    },
    async pair(udid: string): Promise<void> {
      set('devices/pair-started', (state) => ({ devices: { ...state.devices, pairing: { ...state.devices.pairing, [udid]: true } } }));
      const device = await attempt(() => api.invoke('devices:pair', { udid }));
      set('devices/pair-ended', (state) => {
        const pairing = { ...state.devices.pairing };
        delete pairing[udid];
        return { devices: { ...state.devices, pairing } };
      });
      if (device) replaceDevice('devices/paired', device);
    },
    async refreshDevice(udid: string): Promise<void> {
      await attempt(() => api.invoke('devices:refresh', { udid }));
    },
    /** "Show this iPhone when on Wi-Fi": the phone keeps it, so the answer is the phone's new view. */
    async setWifiConnections(udid: string, enabled: boolean): Promise<void> {
      const device = await attempt(() => api.invoke('devices:set-wifi', { udid, enabled }));
      if (device) replaceDevice('devices/wifi-changed', device);
    },
    /** `schedule: null` turns the phone's schedule off. */
    async setDeviceSettings(udid: string, patch: Partial<Omit<DeviceSettingsView, 'schedule'>> & { readonly schedule?: BackupScheduleView | null }): Promise<void> {
      // Optimistic: the switch moves at once; devices:changed confirms it, a failure puts it back.
      const before = get().devices.list.find((device) => device.udid === udid);
      if (before) {
        const { schedule, ...flags } = patch;
        const { schedule: previous, ...rest } = { ...before.settings, ...flags };
        const kept = schedule === null ? undefined : (schedule ?? previous);
        replaceDevice('devices/settings-changed', { ...before, settings: { ...rest, ...(kept ? { schedule: kept } : {}) } });
      }
      const saved = await attempt(() => api.invoke('device-settings:set', { udid, ...patch }));
      if (!saved && before) replaceDevice('devices/settings-reverted', before);
    },
  };
}
