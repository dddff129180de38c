import { type PlistDict, plistInteger } from '../codec';

/**
 * The phone's storage by category, as Finder's bar shows it (apps, photos, media, other, free).
 * Read from lockdown `com.apple.disk_usage` (protocol-notes.md "Storage by category"); every number
 * is bytes and they add up to `totalBytes`. The device layer's own type (it never depends on the
 * app's contract): the core passes it on as the contract's StorageView and checks there, with
 * `satisfies` (core/device-views.ts), that it still is one, so a field added to the contract is a
 * compile error until it is read here.
 */
export interface StorageCategories {
  readonly totalBytes: number;
  readonly appsBytes: number;
  readonly photosBytes: number;
  readonly mediaBytes: number;
  /** Used, and in no category above (iOS itself, caches, messages, settings). */
  readonly otherBytes: number;
  readonly freeBytes: number;
}

/** Keys whose sum is each category; a key the phone leaves out counts as nothing. */
const CATEGORY_KEYS = {
  appsBytes: ['MobileApplicationUsage'],
  photosBytes: ['CameraUsage', 'PhotoUsage'],
  mediaBytes: ['VoicemailUsage', 'MediaCacheUsage'],
} as const;

/**
 * The categories from a `com.apple.disk_usage` dictionary, or undefined when the phone gives no
 * category key at all (iOS 12 and later answer only the capacity keys, as far as public dumps show):
 * then the page keeps its used/free bar rather than calling everything "other".
 */
export function storageCategories(disk: PlistDict): StorageCategories | undefined {
  const total = plistInteger(disk['TotalDiskCapacity']);
  const free = plistInteger(disk['TotalDataAvailable']) ?? plistInteger(disk['AmountDataAvailable']);
  if (total === undefined || free === undefined || total <= 0) return undefined;
  const allKeys = Object.values(CATEGORY_KEYS).flat();
  if (!allKeys.some((key) => plistInteger(disk[key]) !== undefined)) return undefined;
  const freeBytes = clamp(free, total);
  const used = total - freeBytes;
  // A phone that counts more than it says it uses (its figures are computed at different times) is
  // scaled down to what it uses, so the bar never runs past the capacity and "other" is never negative.
  let remaining = used;
  const take = (keys: readonly string[]): number => {
    const sum = keys.reduce((total, key) => total + Math.max(0, plistInteger(disk[key]) ?? 0), 0);
    const taken = Math.min(sum, remaining);
    remaining -= taken;
    return taken;
  };
  const appsBytes = take(CATEGORY_KEYS.appsBytes);
  const photosBytes = take(CATEGORY_KEYS.photosBytes);
  const mediaBytes = take(CATEGORY_KEYS.mediaBytes);
  return { totalBytes: total, appsBytes, photosBytes, mediaBytes, otherBytes: remaining, freeBytes };
}

function clamp(value: number, max: number): number {
  return Math.min(Math.max(0, value), max);
}
