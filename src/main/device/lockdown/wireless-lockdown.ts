import type { UsbmuxClient } from '../usbmux';
import { connectDevice } from './connect-device';

/** Where a phone keeps Finder's "Show this iPhone when on Wi-Fi" (protocol.md §2.4 domains). */
export const WIRELESS_LOCKDOWN_DOMAIN = 'com.apple.mobile.wireless_lockdown';
export const ENABLE_WIFI_CONNECTIONS = 'EnableWifiConnections';

/**
 * Turns "Show this iPhone when on Wi-Fi" on or off: a SetValue inside a session, so only a computer
 * the phone trusts can do it. With it on, usbmuxd lists the phone as a network device too
 * (protocol-notes.md "Wi-Fi") and backups can run without the cable.
 */
export async function setWifiConnections(udid: string, enabled: boolean, options: { readonly mux: UsbmuxClient; readonly timeoutMs?: number }): Promise<void> {
  const connection = await connectDevice(udid, { mux: options.mux, label: 'lifeboat', ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  try {
    await connection.lockdown.setValue(WIRELESS_LOCKDOWN_DOMAIN, ENABLE_WIFI_CONNECTIONS, enabled);
  } finally {
    await connection.close();
  }
}
