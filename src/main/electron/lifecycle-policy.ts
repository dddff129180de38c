/**
 * Whether Lifeboat keeps running when its last window closes. It stays (in the tray) when it has
 * work to do in the background — a phone with automatic backup or a schedule, or "Open at login,
 * in the tray" chosen — or on macOS, where apps stay
 * open by convention; otherwise it quits, so nobody is left with an invisible process on a Linux
 * desktop that shows no tray icons.
 */
import type { SettingsView } from '../../shared/contract';

interface KeepRunningInput {
  readonly platform: NodeJS.Platform;
  readonly hasTray: boolean;
  readonly settings: Pick<SettingsView, 'devices' | 'openAtLogin'> | undefined;
}

export function keepRunningWithoutWindows({ platform, hasTray, settings }: KeepRunningInput): boolean {
  if (platform === 'darwin') return true;
  if (!hasTray) return false;
  if (settings?.openAtLogin) return true;
  return Object.values(settings?.devices ?? {}).some((device) => device.autoBackup || device.schedule !== undefined);
}
