import { isPlistDict, plistBoolean, plistInteger, PlistReal, type PlistDict, type PlistValue } from '../../main/device/codec';
import type { DeviceState } from '../device/device-state';
import type { FaultPlan } from '../device/service-context';
import type { Phone } from '../phone/phone-model';

/** What the value table reads from the device; kept narrow so it is easy to test alone. */
export interface LockdownValueSource {
  readonly state: DeviceState;
  readonly phone: Phone;
  readonly devicePublicKeyPem: string;
  faults(): FaultPlan;
}

export type ValueError = 'MissingValue' | 'GetProhibited' | 'SetProhibited' | 'RemoveProhibited' | 'ImmutableValue';
export type ValueResult = { readonly value: PlistValue } | { readonly error: ValueError };

/**
 * Root keys a host may read before StartSession (protocol.md §2.4: the exact device list is not
 * known; this is what pairing and `ideviceinfo -s` need).
 */
const PUBLIC_ROOT_KEYS: ReadonlySet<string> = new Set([
  'BuildVersion', 'DeviceClass', 'DeviceName', 'DevicePublicKey', 'HardwareModel', 'ProductName', 'ProductType',
  'ProductVersion', 'ProtocolVersion', 'UniqueChipID', 'UniqueDeviceID', 'WiFiAddress', 'ActivationState',
  'CPUArchitecture', 'TelephonyCapability', 'SupportedDeviceFamilies',
]);

/** Root keys a host may change; everything else that the phone generates is ImmutableValue. */
const WRITABLE_ROOT_KEYS: ReadonlySet<string> = new Set(['DeviceName', 'TimeZone']);

const BACKUP_DOMAIN = 'com.apple.mobile.backup';

/** The lockdown domains copied into Manifest.plist `Lockdown` next to the identity keys (§2.4, §5.4). */
const MANIFEST_DOMAINS = [
  'com.apple.Accessibility', 'com.apple.MobileDeviceCrashCopy', 'com.apple.TerminalFlashr', 'com.apple.mobile.data_sync',
  'com.apple.mobile.iTunes.accessories', 'com.apple.mobile.wireless_lockdown', 'com.apple.iTunes',
];
const MANIFEST_ROOT_KEYS = ['BuildVersion', 'DeviceName', 'ProductType', 'ProductVersion', 'SerialNumber', 'UniqueDeviceID'];

function rootDomain(source: LockdownValueSource): PlistDict {
  const id = source.state.identity;
  return {
    ActivationState: 'Activated',
    BluetoothAddress: id.bluetoothAddress,
    BuildVersion: id.buildVersion,
    CPUArchitecture: 'arm64e',
    DeviceClass: id.deviceClass,
    DeviceColor: '1',
    DeviceName: id.deviceName,
    DevicePublicKey: Buffer.from(source.devicePublicKeyPem),
    HardwareModel: id.hardwareModel,
    HostAttached: true,
    IntegratedCircuitCardIdentity: id.iccid,
    InternationalMobileEquipmentIdentity: id.imei,
    ModelNumber: 'MLPF3',
    PasswordProtected: source.faults().locked,
    PhoneNumber: id.phoneNumber,
    ProductName: 'iPhone OS',
    ProductType: id.productType,
    ProductVersion: id.productVersion,
    ProtocolVersion: '2',
    RegionInfo: 'LL/A',
    SerialNumber: id.serialNumber,
    SupportedDeviceFamilies: [1],
    TelephonyCapability: true,
    // What `idevicedate` and iTunes read for the phone's clock (protocol-notes.md "Clock"): real phones
    // answer reals for the seconds and the offset, and a boolean for the 24-hour setting.
    TimeIntervalSince1970: new PlistReal(Date.now() / 1000),
    TimeZone: 'Etc/UTC',
    TimeZoneOffsetFromUTC: new PlistReal(0),
    Uses24HourClock: true,
    UniqueChipID: id.uniqueChipId,
    UniqueDeviceID: id.udid,
    WiFiAddress: id.wifiAddress,
  };
}

function generatedDomain(domain: string, source: LockdownValueSource): PlistDict | undefined {
  const phone = source.phone;
  switch (domain) {
    case '':
      return rootDomain(source);
    case BACKUP_DOMAIN: {
      const settings = source.state.get();
      const last = settings.lastBackupDate;
      return {
        CloudBackupEnabled: settings.cloudBackupEnabled,
        RequiresEncryption: settings.requiresEncryption,
        Version: '2.0',
        WillEncrypt: settings.willEncrypt,
        ...(last === undefined ? {} : { LastiTunesBackupDate: last, LastiTunesBackupTZ: 'GMT+0' }),
      };
    }
    case 'com.apple.iTunes':
      return { LibraryApplications: [] };
    case 'com.apple.mobile.iTunes':
      return { MinITunesVersion: '12.13.0', SyncDataClasses: ['Contacts', 'Calendars', 'Bookmarks', 'Notes'] };
    case 'com.apple.mobile.data_sync': {
      const cloud = { AccountNames: ['iCloud'], Sources: ['iCloud'] };
      return { Bookmarks: cloud, Calendars: cloud, Contacts: cloud, Notes: cloud };
    }
    case 'com.apple.Accessibility':
      return {
        ClosedCaptioningEnabledByiTunes: false, InvertDisplayEnabledByiTunes: false, MonoAudioEnabledByiTunes: false,
        SpeakAutoCorrectionsEnabledByiTunes: false, VoiceOverTouchEnabledByiTunes: false, ZoomTouchEnabledByiTunes: false,
      };
    case 'com.apple.mobile.wireless_lockdown':
      return { EnableWifiConnections: false };
    case 'com.apple.MobileDeviceCrashCopy':
    case 'com.apple.TerminalFlashr':
    case 'com.apple.mobile.iTunes.accessories':
      return {};
    case 'com.apple.disk_usage': {
      const capacity = phone.capacityBytes();
      const free = source.faults().deviceFreeBytes ?? phone.freeBytes();
      const system = Math.round(capacity * 0.06);
      return {
        AmountDataAvailable: free, AmountDataReserved: 0, TotalDataAvailable: free, TotalDataCapacity: capacity - system,
        TotalDiskCapacity: capacity, TotalSystemAvailable: 0, TotalSystemCapacity: system,
        ...categoryUsage(phone),
      };
    }
    case 'com.apple.mobile.battery':
      return { BatteryCurrentCapacity: 87, BatteryIsCharging: true, ExternalChargeCapable: true, ExternalConnected: true, FullyCharged: false };
    case 'com.apple.fmip':
      // Find My iPhone state as host tools read it before a restore [unverified key name; the phone's own
      // refusal (MB error 211) stays the authority, see services/mobilebackup2].
      return { IsAssociated: source.state.get().findMyEnabled };
    case 'com.apple.international':
      return { Language: 'en', Locale: 'en_US', SupportedLanguages: ['en'] };
    default:
      return undefined;
  }
}

/**
 * The per-category keys of `com.apple.disk_usage` (protocol-notes.md "Storage by category"): names
 * documented from older iOS, values computed from what this phone really holds, so they add up
 * with its free space. A phone store without usage figures reports none, as iOS 12+ phones do.
 */
function categoryUsage(phone: Phone): PlistDict {
  const usage = phone.usage?.();
  if (!usage) return {};
  return {
    MobileApplicationUsage: usage.apps,
    CameraUsage: usage.camera,
    PhotoUsage: usage.photoData,
    CalendarUsage: usage.calendar,
    NotesUsage: usage.notes,
    VoicemailUsage: usage.voicemail,
    // Inferred (protocol-notes.md "Storage by category"): the phone's audio and video outside the
    // Camera Roll (voice memos, songs, videos), so the host's Media figure is what the phone holds.
    MediaCacheUsage: usage.media,
    // Nothing is cached by a virtual phone's web apps.
    WebAppCacheUsage: 0,
  };
}

/** A whole domain as the device reports it: generated values overlaid with what hosts stored. */
export function domainValues(domain: string, source: LockdownValueSource): PlistDict | undefined {
  const generated = generatedDomain(domain, source);
  const stored = source.state.storedValues()[domain];
  if (!generated && !isPlistDict(stored)) return undefined;
  return { ...generated, ...(isPlistDict(stored) ? stored : {}) };
}

/** GetValue (§2.4); `inSession` widens what may be read. */
export function getValue(source: LockdownValueSource, domain: string, key: string | undefined, inSession: boolean): ValueResult {
  if (!inSession && domain !== '') return { error: 'GetProhibited' };
  if (!inSession && key !== undefined && !PUBLIC_ROOT_KEYS.has(key)) return { error: 'GetProhibited' };
  const values = domainValues(domain, source);
  if (!values) return { error: 'MissingValue' };
  if (key === undefined) {
    if (inSession) return { value: values };
    return { value: Object.fromEntries(Object.entries(values).filter(([name]) => PUBLIC_ROOT_KEYS.has(name))) };
  }
  const value = values[key];
  return value === undefined ? { error: 'MissingValue' } : { value };
}

/** SetValue (§2.4): only inside a session; identity keys are immutable, encryption has its own path (§6.7). */
export function setValue(source: LockdownValueSource, domain: string, key: string | undefined, value: PlistValue | undefined, inSession: boolean): ValueResult {
  if (!inSession) return { error: 'SetProhibited' };
  if (key === undefined || value === undefined) return { error: 'MissingValue' };
  if (domain === '' && key in rootDomain(source) && !WRITABLE_ROOT_KEYS.has(key)) return { error: 'ImmutableValue' };
  if (domain === BACKUP_DOMAIN) {
    // WillEncrypt changes only through mobilebackup2 ChangePassword, RequiresEncryption only via MDM.
    if (key === 'WillEncrypt' || key === 'RequiresEncryption') return { error: 'SetProhibited' };
    if (key === 'CloudBackupEnabled') {
      source.state.update({ cloudBackupEnabled: plistBoolean(value) ?? false });
      return { value };
    }
    if (key === 'LastiTunesBackupDate') {
      source.state.update({ lastBackupDate: plistInteger(value) });
      return { value };
    }
  }
  source.state.storeValue(domain, key, value);
  return { value };
}

/** RemoveValue (§2.4): only what a host stored can be removed. */
export function removeValue(source: LockdownValueSource, domain: string, key: string | undefined, inSession: boolean): ValueResult {
  if (!inSession || key === undefined) return { error: 'RemoveProhibited' };
  const stored = source.state.storedValues()[domain];
  if (!isPlistDict(stored) || stored[key] === undefined) return { error: generatedDomain(domain, source)?.[key] === undefined ? 'MissingValue' : 'RemoveProhibited' };
  source.state.storeValue(domain, key, undefined);
  return { value: true };
}

/** The `Lockdown` dict of Manifest.plist (§5.4): identity keys plus the listed domains. */
export function lockdownSnapshot(source: LockdownValueSource): PlistDict {
  const root = domainValues('', source) ?? {};
  const snapshot: Record<string, PlistValue> = {};
  for (const key of MANIFEST_ROOT_KEYS) {
    const value = root[key];
    if (value !== undefined) snapshot[key] = value;
  }
  for (const domain of MANIFEST_DOMAINS) snapshot[domain] = domainValues(domain, source) ?? {};
  return snapshot;
}
