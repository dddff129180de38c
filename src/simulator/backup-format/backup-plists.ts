import {
  type PlistDict,
  type PlistValue,
  PlistReal,
  decodePlist,
  encodeBinaryPlist,
  isPlistDict,
} from '../../main/device/codec';
import { BackupFormatError } from './errors';

/** Status.plist `BackupState` (protocol.md §5.5): only `new` allows an incremental backup. */
export type BackupState = 'empty' | 'old' | 'new';
/** Status.plist `SnapshotState` (§5.5), in the order a backup run moves through them. */
export type SnapshotState = 'uploading' | 'moving' | 'removing' | 'finished';

export const STATUS_PLIST_VERSION = '3.3';
export const MANIFEST_PLIST_VERSION = '10.0';
export const SYSTEM_DOMAINS_VERSION = '24.0';

export interface StatusPlist {
  readonly version: string;
  readonly uuid: string;
  readonly date: Date;
  readonly backupState: BackupState;
  readonly snapshotState: SnapshotState;
  readonly isFullBackup: boolean;
}

export interface ParsedStatusPlist {
  readonly version: string | undefined;
  readonly uuid: string | undefined;
  readonly date: Date | undefined;
  /** An unknown value is kept as written, so the engine can treat it like `old` (error 203). */
  readonly backupState: string | undefined;
  readonly snapshotState: string | undefined;
  readonly isFullBackup: boolean | undefined;
  readonly raw: PlistDict;
}

/** Builds Status.plist as the device writes it: a small binary plist (§5.5). */
export function buildStatusPlist(status: Omit<StatusPlist, 'version'> & { readonly version?: string }): Buffer {
  return encodeBinaryPlist({
    BackupState: status.backupState,
    Date: status.date,
    IsFullBackup: status.isFullBackup,
    SnapshotState: status.snapshotState,
    UUID: status.uuid.toUpperCase(),
    Version: status.version ?? STATUS_PLIST_VERSION,
  });
}

/** Reads Status.plist (binary or XML). Missing keys come back undefined; garbage throws (§5.5). */
export function parseStatusPlist(bytes: Buffer): ParsedStatusPlist {
  const raw = decodePropertiesFile(bytes, 'Status.plist');
  return {
    version: versionString(raw.Version),
    uuid: typeof raw.UUID === 'string' ? raw.UUID : undefined,
    date: raw.Date instanceof Date ? raw.Date : undefined,
    backupState: typeof raw.BackupState === 'string' ? raw.BackupState : undefined,
    snapshotState: typeof raw.SnapshotState === 'string' ? raw.SnapshotState : undefined,
    isFullBackup: typeof raw.IsFullBackup === 'boolean' ? raw.IsFullBackup : undefined,
    raw,
  };
}

export interface ManifestPlist {
  readonly version?: string;
  readonly systemDomainsVersion?: string;
  readonly date: Date;
  readonly isEncrypted: boolean;
  /** Keybag TLV (§6.1); the device writes one even for unencrypted backups [inferred, §5.4]. */
  readonly backupKeyBag?: Buffer;
  /** iOS 10.2+ encrypted backups: 4-byte LE class + 40-byte wrapped Manifest.db key (§6.4). */
  readonly manifestKey?: Buffer;
  readonly wasPasscodeSet: boolean;
  /** BuildVersion, DeviceName, ProductType, ProductVersion, SerialNumber, UniqueDeviceID, … */
  readonly lockdown: PlistDict;
  /** bundleID → {CFBundleIdentifier, CFBundleVersion, ContainerContentClass, Path}. */
  readonly applications?: PlistDict;
  /** Optional keys such as RequiredProductVersion, AccountClass (§5.4), copied verbatim. */
  readonly extra?: PlistDict;
}

export interface ParsedManifestPlist {
  readonly version: string | undefined;
  readonly systemDomainsVersion: string | undefined;
  readonly date: Date | undefined;
  readonly isEncrypted: boolean;
  readonly backupKeyBag: Buffer | undefined;
  readonly manifestKey: Buffer | undefined;
  readonly wasPasscodeSet: boolean | undefined;
  readonly lockdown: PlistDict;
  readonly applications: PlistDict;
  readonly raw: PlistDict;
}

/** Builds Manifest.plist, the device's backup "properties" (§5.4), as a binary plist. */
export function buildManifestPlist(manifest: ManifestPlist): Buffer {
  const dict: Record<string, PlistValue> = { ...manifest.extra };
  if (manifest.backupKeyBag !== undefined) dict.BackupKeyBag = manifest.backupKeyBag;
  if (manifest.manifestKey !== undefined) dict.ManifestKey = manifest.manifestKey;
  dict.Lockdown = manifest.lockdown;
  dict.SystemDomainsVersion = manifest.systemDomainsVersion ?? SYSTEM_DOMAINS_VERSION;
  dict.Version = manifest.version ?? MANIFEST_PLIST_VERSION;
  dict.Applications = manifest.applications ?? {};
  dict.IsEncrypted = manifest.isEncrypted;
  dict.Date = manifest.date;
  dict.WasPasscodeSet = manifest.wasPasscodeSet;
  return encodeBinaryPlist(dict);
}

/**
 * Reads Manifest.plist (binary or XML). A zero-length file throws `code: 'empty-plist'` — the
 * device's ErrorCode 205 "Cannot parse a NULL or zero-length data" situation (§5.4).
 */
export function parseManifestPlist(bytes: Buffer): ParsedManifestPlist {
  const raw = decodePropertiesFile(bytes, 'Manifest.plist');
  return {
    version: versionString(raw.Version),
    systemDomainsVersion: versionString(raw.SystemDomainsVersion),
    date: raw.Date instanceof Date ? raw.Date : undefined,
    isEncrypted: raw.IsEncrypted === true,
    backupKeyBag: Buffer.isBuffer(raw.BackupKeyBag) ? raw.BackupKeyBag : undefined,
    manifestKey: Buffer.isBuffer(raw.ManifestKey) ? raw.ManifestKey : undefined,
    wasPasscodeSet: typeof raw.WasPasscodeSet === 'boolean' ? raw.WasPasscodeSet : undefined,
    lockdown: isPlistDict(raw.Lockdown) ? raw.Lockdown : {},
    applications: isPlistDict(raw.Applications) ? raw.Applications : {},
    raw,
  };
}

function decodePropertiesFile(bytes: Buffer | undefined | null, name: string): PlistDict {
  if (bytes === undefined || bytes === null || bytes.length === 0) {
    throw new BackupFormatError('empty-plist', `${name} is empty: Cannot parse a NULL or zero-length data.`);
  }
  let value: PlistValue;
  try {
    value = decodePlist(bytes);
  } catch (error) {
    throw new BackupFormatError('malformed-plist', `${name} is not a readable property list: ${(error as Error).message}`);
  }
  if (!isPlistDict(value)) {
    throw new BackupFormatError('malformed-plist', `${name} does not hold a dictionary at its top level.`);
  }
  return value;
}

/** Versions are written as "%0.1f" strings but accepted as numbers too (§5.4, §5.5). */
function versionString(value: PlistValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return value.toFixed(1);
  if (value instanceof PlistReal) return value.value.toFixed(1);
  return undefined;
}

/** Compares "%0.1f"-style versions numerically ("10.0" > "9.1"); NaN for unparsable input. */
export function compareFormatVersions(a: string, b: string): number {
  return Number.parseFloat(a) - Number.parseFloat(b);
}
