import { randomBytes } from 'node:crypto';
import { type PlistDict, type PlistValue, isPlistDict, plistString } from '../../device/codec';

/** What the host gathered from the phone to describe a backup (protocol.md §5.3). */
export interface DeviceDescription {
  readonly udid: string;
  /** Lockdown root domain values. */
  readonly root: PlistDict;
  /** Lockdown domain `com.apple.iTunes`. */
  readonly itunesSettings: PlistDict | undefined;
  /** `com.apple.mobile.iTunes` MinITunesVersion. */
  readonly minITunesVersion: string | undefined;
  /** AFC `/iTunes_Control/iTunes/*`, name → content. */
  readonly itunesFiles: ReadonlyMap<string, Buffer>;
  /** AFC `/Books/iBooksData2.plist`, if present and non-empty. */
  readonly booksData: Buffer | undefined;
  /** installation_proxy user apps (CFBundleIdentifier, ApplicationSINF, iTunesMetadata; PlaceholderIcon from springboardservices). */
  readonly apps: readonly PlistDict[];
}

/** The iTunes version written when the phone does not state one (what libimobiledevice writes). */
const FALLBACK_ITUNES_VERSION = '10.0.1';

/**
 * Info.plist as iTunes and idevicebackup2 write it before each backup (§5.3). Keys that readers
 * such as mvt use are always present; optional identifiers only when the phone has them.
 */
export function buildInfoPlist(description: DeviceDescription, now: Date = new Date()): PlistDict {
  const { root } = description;
  const text = (key: string): string | undefined => plistString(root[key]);
  const info: Record<string, PlistValue> = {};
  const applications: Record<string, PlistValue> = {};
  const installed: string[] = [];
  for (const app of description.apps) {
    const bundleId = plistString(app.CFBundleIdentifier);
    if (!bundleId) continue;
    installed.push(bundleId);
    const sinf = app.ApplicationSINF;
    const metadata = app.iTunesMetadata;
    // Only apps with both DRM info and metadata can be reinstalled from the backup (§5.3).
    if (Buffer.isBuffer(sinf) && Buffer.isBuffer(metadata)) {
      const icon = app.PlaceholderIcon;
      applications[bundleId] = { ApplicationSINF: sinf, iTunesMetadata: metadata, ...(Buffer.isBuffer(icon) ? { PlaceholderIcon: icon } : {}) };
    }
  }
  info['Applications'] = applications;
  setIf(info, 'Build Version', text('BuildVersion'));
  setIf(info, 'Device Name', text('DeviceName'));
  setIf(info, 'Display Name', text('DeviceName'));
  info['GUID'] = randomBytes(16).toString('hex').toUpperCase();
  setIf(info, 'ICCID', text('IntegratedCircuitCardIdentity'));
  setIf(info, 'IMEI', text('InternationalMobileEquipmentIdentity'));
  setIf(info, 'MEID', text('MobileEquipmentIdentifier'));
  info['Installed Applications'] = installed;
  info['Last Backup Date'] = now;
  setIf(info, 'Phone Number', text('PhoneNumber'));
  setIf(info, 'Product Name', text('ProductName') ?? text('DeviceClass'));
  setIf(info, 'Product Type', text('ProductType'));
  setIf(info, 'Product Version', text('ProductVersion'));
  setIf(info, 'Serial Number', text('SerialNumber'));
  info['Target Identifier'] = description.udid;
  info['Target Type'] = 'Device';
  info['Unique Identifier'] = description.udid.toUpperCase();
  if (description.booksData && description.booksData.length > 0) info['iBooks Data 2'] = description.booksData;
  info['iTunes Files'] = Object.fromEntries(description.itunesFiles);
  info['iTunes Settings'] = description.itunesSettings && isPlistDict(description.itunesSettings) ? description.itunesSettings : {};
  info['iTunes Version'] = description.minITunesVersion ?? FALLBACK_ITUNES_VERSION;
  return info;
}

function setIf(info: Record<string, PlistValue>, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '') info[key] = value;
}
