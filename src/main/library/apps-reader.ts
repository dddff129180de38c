import path from 'node:path';
import type { AppRow } from '../../shared/contract-library';
import { decodePlist, isPlistDict, type PlistDict, plistString } from '../device/codec';
import { readPlistFile, valueOf } from '../backup/catalog/backup-metadata';
import type { BackupBrowser } from '../browser';

/**
 * The backup's apps by the names people know them by (protocol.md §5.3): Info.plist's
 * `Applications` dict carries, per bundle id, the App Store's `iTunesMetadata` (a plist with
 * `itemName`, `bundleDisplayName`, `artistName`, `bundleShortVersionString`) and the home-screen
 * `PlaceholderIcon` (PNG); Manifest.plist's `Applications` and the AppDomain-… domains say which
 * apps the backup holds data for. Sorted by name; app groups and extensions are not apps of their own.
 */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Icons are small (60×60 to 180×180 PNGs); anything larger is not shown inline. */
const MAX_ICON_BYTES = 256 * 1024;
/** An iTunesMetadata plist is a few kB; a budget keeps a hostile one from costing more. */
const METADATA_BUDGET = { maxNodes: 10_000, maxDepth: 16, maxContentBytes: 4 * 1024 * 1024 } as const;

export function readApps(browser: BackupBrowser): AppRow[] {
  const info = valueOf(readPlistFile(path.join(browser.summary.folder, 'Info.plist')));
  const described = info && isPlistDict(info.Applications) ? info.Applications : {};
  return browser
    .apps()
    // An app group or extension (AppDomainGroup-, AppDomainPlugin-) is not an app a person installed:
    // only apps the backup describes, or whose own container it holds, are listed.
    .filter((app) => isPlistDict(described[app.bundleId]) || app.domains.includes(`AppDomain-${app.bundleId}`))
    .map((app) => {
      const entry = described[app.bundleId];
      const details = isPlistDict(entry) ? entry : undefined;
      const metadata = metadataOf(details?.iTunesMetadata);
      const name = text(metadata, 'itemName') ?? text(metadata, 'bundleDisplayName') ?? text(details, 'CFBundleDisplayName') ?? text(details, 'CFBundleName') ?? app.bundleId;
      const version = text(metadata, 'bundleShortVersionString') ?? text(details, 'CFBundleShortVersionString');
      const publisher = text(metadata, 'artistName');
      const icon = details?.PlaceholderIcon;
      const iconDataUrl = Buffer.isBuffer(icon) && icon.length <= MAX_ICON_BYTES && icon.subarray(0, 8).equals(PNG_SIGNATURE) ? `data:image/png;base64,${icon.toString('base64')}` : undefined;
      return {
        kind: 'app' as const,
        bundleId: app.bundleId,
        name,
        ...(version ? { version } : {}),
        ...(publisher ? { publisher } : {}),
        ...(iconDataUrl ? { iconDataUrl } : {}),
        files: app.files,
        sizeBytes: app.bytes,
        domains: app.domains,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.bundleId.localeCompare(b.bundleId));
}

function metadataOf(value: unknown): PlistDict | undefined {
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    const decoded = decodePlist(value, METADATA_BUDGET);
    return isPlistDict(decoded) ? decoded : undefined;
  } catch {
    // A damaged metadata blob only costs the app its display name.
    return undefined;
  }
}

function text(dict: PlistDict | undefined, key: string): string | undefined {
  const value = dict ? plistString(dict[key]) : undefined;
  return value ? value.slice(0, 500) : undefined;
}
