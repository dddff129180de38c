import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PlistDict, plistString } from '../../../main/device/codec';
import type { ServiceContext } from '../../device/service-context';
import type { DeviceLink } from './device-link';
import type { HostDrive } from './host-drive';

/** Everything one mobilebackup2 connection's operations share. */
export class Session {
  private workDir: string | undefined;

  constructor(
    readonly link: DeviceLink,
    readonly drive: HostDrive,
    readonly context: ServiceContext,
  ) {}

  /** A private scratch directory for Manifest.db files, removed when the connection ends. */
  scratchPath(name: string): string {
    this.workDir ??= mkdtempSync(join(tmpdir(), 'lifeboat-mb2-'));
    return join(this.workDir, name);
  }

  dispose(): void {
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }
}

/**
 * The host-side backup folder an operation works in (protocol.md §3.4): SourceIdentifier when
 * given, else TargetIdentifier, else the phone's own UDID.
 */
export function backupFolderOf(request: PlistDict, context: ServiceContext): string {
  return plistString(request['SourceIdentifier']) ?? plistString(request['TargetIdentifier']) ?? context.identity.udid;
}

/** Seconds between the Unix epoch and Apple's 2001-01-01 epoch (§0.1). */
export const APPLE_EPOCH_OFFSET_SECONDS = 978_307_200;

export function appleSecondsNow(): number {
  return Math.floor(Date.now() / 1000) - APPLE_EPOCH_OFFSET_SECONDS;
}

/** Splits a list into consecutive batches of at most `size` items. */
export function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** The 256 two-hex-digit content directories of an iOS 10+ backup (§5.1). */
export const CONTENT_DIRECTORIES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Domains rooted outside /private/var/mobile (§5.8): restored only with RestoreSystemFiles. */
export function isSystemDomain(domain: string): boolean {
  const base = domain.split('-')[0] ?? domain;
  return SYSTEM_DOMAINS.has(base);
}

const SYSTEM_DOMAINS = new Set([
  'RootDomain',
  'SystemPreferencesDomain',
  'WirelessDomain',
  'ManagedPreferencesDomain',
  'DatabaseDomain',
  'KeychainDomain',
  'MobileDeviceDomain',
  'InstallDomain',
  'NetworkDomain',
  'ProtectedDomain',
  'SysContainerDomain',
  'SysSharedContainerDomain',
]);

/**
 * Media paths that belong to the host's AFC conversation, not to the phone's data: the sync lock,
 * iTunes_Control and the RestoreApplications drop (§4.5). A backup never contains them and a
 * restore never deletes them.
 */
export function isAfcControlPath(relativePath: string): boolean {
  return AFC_CONTROL_PREFIXES.some((prefix) => relativePath === prefix || relativePath.startsWith(`${prefix}/`));
}

const AFC_CONTROL_PREFIXES = ['Media/iTunes_Control', 'Media/com.apple.itunes.lock_sync', 'Media/iTunesRestore'];
