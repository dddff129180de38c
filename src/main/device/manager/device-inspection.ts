import { type PlistValue, plistBoolean, plistDictOf, plistInteger, plistString } from '../codec';
import { LockdownError } from '../errors';
import { ENABLE_WIFI_CONNECTIONS, loadPairRecord, type LockdownClient, openLockdown, startSession, WIRELESS_LOCKDOWN_DOMAIN } from '../lockdown';
import type { MuxDevice, UsbmuxClient } from '../usbmux';
import { type StorageCategories, storageCategories } from './storage-categories';

/** Whether this computer may talk to the phone, as far as the last look could tell. */
export type TrustState = 'trusted' | 'untrusted' | 'pairing-pending' | 'denied' | 'locked' | 'unknown';

/** What the device list shows about a phone; fields stay undefined when the phone would not say. */
export interface DeviceSummary {
  readonly name?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  readonly buildVersion?: string;
  readonly deviceClass?: string;
  readonly serialNumber?: string;
  readonly totalCapacityBytes?: number;
  readonly freeBytes?: number;
  readonly batteryPercent?: number;
  readonly batteryCharging?: boolean;
  /** com.apple.mobile.backup WillEncrypt: backups made now will be encrypted (§2.4). */
  readonly backupEncryptionEnabled?: boolean;
  /** LastiTunesBackupDate, Apple-epoch seconds turned into a Date (§0.1). */
  readonly lastBackupDate?: Date;
  /** PasswordProtected (§2.4): the screen is locked with the passcode right now. */
  readonly passcodeLocked?: boolean;
  /** Apps, photos, media, other and free, when the phone reports category keys (storage-categories.ts). */
  readonly storage?: StorageCategories;
  /** "Show this iPhone when on Wi-Fi" (wireless_lockdown `EnableWifiConnections`). */
  readonly wifiConnectionsEnabled?: boolean;
}

export interface DeviceInspection {
  readonly trust: TrustState;
  readonly summary: DeviceSummary;
  /** Why trust is not `trusted`, in words a person can act on. */
  readonly problem?: string;
}

/** 2001-01-01T00:00:00Z, the epoch of plist dates and LastiTunesBackupDate (§0.1). */
const APPLE_EPOCH_UNIX_SECONDS = 978_307_200;

/** Keys lockdownd answers before a session (§2.4), enough to name an untrusted phone. */
const PUBLIC_KEYS = ['DeviceName', 'ProductType', 'ProductVersion', 'BuildVersion', 'DeviceClass'] as const;

/**
 * Looks at one phone: its public identity, then — when this computer has a pair record — a session
 * for the rest of the summary. Never throws for trust problems; they become the trust state.
 */
export async function inspectDevice(mux: UsbmuxClient, device: MuxDevice, timeoutMs: number): Promise<DeviceInspection> {
  let lockdown: LockdownClient | undefined;
  const summary: Record<string, unknown> = {};
  try {
    lockdown = await openLockdown(device, { mux, timeoutMs });
    Object.assign(summary, await readPublicSummary(lockdown));
    let record;
    try {
      record = await loadPairRecord(mux, device.udid);
    } catch (error) {
      if (error instanceof LockdownError) return { trust: 'untrusted', summary, problem: error.message };
      throw error;
    }
    const session = await startSession(lockdown, record, await mux.readBuid());
    Object.assign(summary, await readSessionSummary(lockdown));
    await session.stop().catch(() => undefined);
    return { trust: 'trusted', summary };
  } catch (error) {
    return { trust: trustFromError(error), summary, problem: (error as Error).message };
  } finally {
    lockdown?.close();
  }
}

/** Maps a pairing or session failure onto the trust state it reveals (§2.5.2). */
export function trustFromError(error: unknown): TrustState {
  if (!(error instanceof LockdownError)) return 'unknown';
  switch (error.code) {
    case 'PasswordProtected':
      return 'locked';
    case 'UserDeniedPairing':
      return 'denied';
    case 'PairingDialogResponsePending':
      return 'pairing-pending';
    case 'InvalidHostID':
    case 'MissingHostID':
    case 'NotPaired':
    case 'InvalidPairRecord':
      return 'untrusted';
    default:
      return 'unknown';
  }
}

async function readPublicSummary(lockdown: LockdownClient): Promise<Record<string, unknown>> {
  const values: Partial<Record<(typeof PUBLIC_KEYS)[number], string>> = {};
  for (const key of PUBLIC_KEYS) {
    values[key] = plistString(await optional(lockdown.getValue(undefined, key)));
  }
  return compact({
    name: values.DeviceName,
    productType: values.ProductType,
    productVersion: values.ProductVersion,
    buildVersion: values.BuildVersion,
    deviceClass: values.DeviceClass,
  });
}

async function readSessionSummary(lockdown: LockdownClient): Promise<Record<string, unknown>> {
  const root = plistDictOf(await optional(lockdown.getValue())) ?? {};
  const disk = plistDictOf(await optional(lockdown.getValue('com.apple.disk_usage'))) ?? {};
  const battery = plistDictOf(await optional(lockdown.getValue('com.apple.mobile.battery'))) ?? {};
  const backup = plistDictOf(await optional(lockdown.getValue('com.apple.mobile.backup'))) ?? {};
  const wireless = plistDictOf(await optional(lockdown.getValue(WIRELESS_LOCKDOWN_DOMAIN))) ?? {};
  const lastBackup = plistInteger(backup['LastiTunesBackupDate']);
  return compact({
    name: plistString(root['DeviceName']),
    productType: plistString(root['ProductType']),
    productVersion: plistString(root['ProductVersion']),
    buildVersion: plistString(root['BuildVersion']),
    deviceClass: plistString(root['DeviceClass']),
    serialNumber: plistString(root['SerialNumber']),
    totalCapacityBytes: plistInteger(disk['TotalDiskCapacity']),
    freeBytes: plistInteger(disk['TotalDataAvailable']) ?? plistInteger(disk['AmountDataAvailable']),
    batteryPercent: plistInteger(battery['BatteryCurrentCapacity']),
    batteryCharging: plistBoolean(battery['BatteryIsCharging']),
    backupEncryptionEnabled: plistBoolean(backup['WillEncrypt']),
    passcodeLocked: plistBoolean(root['PasswordProtected']),
    storage: storageCategories(disk),
    wifiConnectionsEnabled: plistBoolean(wireless[ENABLE_WIFI_CONNECTIONS]),
    lastBackupDate: lastBackup === undefined ? undefined : new Date((lastBackup + APPLE_EPOCH_UNIX_SECONDS) * 1000),
  });
}

/** A value the phone may refuse (GetProhibited, MissingValue): absent rather than fatal. */
async function optional(read: Promise<PlistValue | undefined>): Promise<PlistValue | undefined> {
  try {
    return await read;
  } catch (error) {
    // Transport failures still end the inspection; only the phone's refusals are shrugged off.
    if (error instanceof LockdownError && ['ConnectionClosed', 'Timeout', 'ProtocolError', 'TlsFailed'].includes(error.code)) throw error;
    return undefined;
  }
}

function compact(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
