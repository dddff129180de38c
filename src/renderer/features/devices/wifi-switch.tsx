import type { DeviceView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';
import { Switch } from '../../components/switch';

/**
 * Finder's "Show this iPhone when on Wi-Fi": the phone keeps the setting (lockdown
 * `EnableWifiConnections`), so it is read from and written to the phone, never to Lifeboat's settings.
 */
export function WifiSwitch({ device, disabled }: { readonly device: DeviceView; readonly disabled: boolean }) {
  const { setWifiConnections } = useActions();
  if (device.wifiConnectionsEnabled === undefined) return null;
  return (
    <Switch
      label="Show this iPhone when on Wi-Fi"
      description="Back up and restore without the cable while the iPhone and this computer are on the same Wi-Fi network. When the cable is in, Lifeboat uses it."
      checked={device.wifiConnectionsEnabled}
      disabled={disabled}
      onChange={(enabled) => void setWifiConnections(device.udid, enabled)}
      testId="wifi-switch"
    />
  );
}
