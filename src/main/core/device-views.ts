import type { ManagedDevice } from '../device/manager';
import type { DeviceSettingsView, DeviceView, StorageView } from '../../shared/contract';

/** Marketing names for common ProductType values, so the summary says "iPhone 13" not "iPhone14,5". */
const MODEL_NAMES: Readonly<Record<string, string>> = {
  'iPhone8,1': 'iPhone 6s', 'iPhone8,2': 'iPhone 6s Plus', 'iPhone8,4': 'iPhone SE (1st generation)',
  'iPhone9,1': 'iPhone 7', 'iPhone9,3': 'iPhone 7', 'iPhone9,2': 'iPhone 7 Plus', 'iPhone9,4': 'iPhone 7 Plus',
  'iPhone10,1': 'iPhone 8', 'iPhone10,4': 'iPhone 8', 'iPhone10,2': 'iPhone 8 Plus', 'iPhone10,5': 'iPhone 8 Plus',
  'iPhone10,3': 'iPhone X', 'iPhone10,6': 'iPhone X', 'iPhone11,2': 'iPhone XS', 'iPhone11,4': 'iPhone XS Max',
  'iPhone11,6': 'iPhone XS Max', 'iPhone11,8': 'iPhone XR', 'iPhone12,1': 'iPhone 11', 'iPhone12,3': 'iPhone 11 Pro',
  'iPhone12,5': 'iPhone 11 Pro Max', 'iPhone12,8': 'iPhone SE (2nd generation)', 'iPhone13,1': 'iPhone 12 mini',
  'iPhone13,2': 'iPhone 12', 'iPhone13,3': 'iPhone 12 Pro', 'iPhone13,4': 'iPhone 12 Pro Max', 'iPhone14,4': 'iPhone 13 mini',
  'iPhone14,5': 'iPhone 13', 'iPhone14,2': 'iPhone 13 Pro', 'iPhone14,3': 'iPhone 13 Pro Max',
  'iPhone14,6': 'iPhone SE (3rd generation)', 'iPhone14,7': 'iPhone 14', 'iPhone14,8': 'iPhone 14 Plus',
  'iPhone15,2': 'iPhone 14 Pro', 'iPhone15,3': 'iPhone 14 Pro Max', 'iPhone15,4': 'iPhone 15', 'iPhone15,5': 'iPhone 15 Plus',
  'iPhone16,1': 'iPhone 15 Pro', 'iPhone16,2': 'iPhone 15 Pro Max', 'iPhone17,3': 'iPhone 16', 'iPhone17,4': 'iPhone 16 Plus',
  'iPhone17,1': 'iPhone 16 Pro', 'iPhone17,2': 'iPhone 16 Pro Max',
};

export function modelName(productType: string | undefined): string | undefined {
  return productType === undefined ? undefined : MODEL_NAMES[productType];
}

/** What we remember of a phone that is not plugged in (from its backups). */
export interface KnownDevice {
  readonly udid: string;
  readonly name?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  readonly serialNumber?: string;
}

interface DeviceViewExtras {
  readonly settings: DeviceSettingsView;
  readonly lastBackupAt?: string;
  readonly activeJobId?: string;
}

/** A plugged-in phone as the UI shows it. */
export function connectedDeviceView(device: ManagedDevice, extras: DeviceViewExtras): DeviceView {
  const { summary } = device;
  const phoneLast = summary.lastBackupDate?.toISOString();
  const lastBackupAt = newest(extras.lastBackupAt, phoneLast);
  return compact({
    udid: device.udid,
    connected: true,
    connection: device.connections[0]?.connectionType === 'Network' ? 'network' : 'usb',
    trust: device.trust,
    problem: device.problem,
    name: summary.name,
    productType: summary.productType,
    modelName: modelName(summary.productType),
    productVersion: summary.productVersion,
    buildVersion: summary.buildVersion,
    serialNumber: summary.serialNumber,
    totalCapacityBytes: summary.totalCapacityBytes,
    freeBytes: summary.freeBytes,
    batteryPercent: summary.batteryPercent,
    batteryCharging: summary.batteryCharging,
    encryptionEnabled: summary.backupEncryptionEnabled,
    lastBackupAt,
    settings: extras.settings,
    activeJobId: extras.activeJobId,
    // Only a trusted phone's lock matters here; an untrusted one says "locked" through its trust state.
    passcodeLocked: device.trust === 'trusted' && summary.passcodeLocked === true ? true : undefined,
    // The device layer's own type, checked here to be the contract's (storage-categories.ts).
    storage: summary.storage satisfies StorageView | undefined,
    wifiConnectionsEnabled: device.trust === 'trusted' ? summary.wifiConnectionsEnabled : undefined,
  }) as unknown as DeviceView;
}

/** A phone known only from its backups or settings. */
export function knownDeviceView(device: KnownDevice, extras: DeviceViewExtras): DeviceView {
  return compact({
    udid: device.udid,
    connected: false,
    trust: 'unknown',
    name: device.name,
    productType: device.productType,
    modelName: modelName(device.productType),
    productVersion: device.productVersion,
    serialNumber: device.serialNumber,
    lastBackupAt: extras.lastBackupAt,
    settings: extras.settings,
    activeJobId: extras.activeJobId,
  }) as unknown as DeviceView;
}

function newest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function compact(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
