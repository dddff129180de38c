import { describe, expect, it } from 'vitest';
import { storageCategories } from './storage-categories';

const GB = 1_000_000_000;
const capacity = { TotalDiskCapacity: 128 * GB, TotalDataAvailable: 40 * GB, AmountDataAvailable: 39 * GB };

describe('storageCategories', () => {
  it('sums the category keys, puts the rest of the used space in "other", and adds up to the capacity', () => {
    const storage = storageCategories({ ...capacity, MobileApplicationUsage: 30 * GB, CameraUsage: 20 * GB, PhotoUsage: 2 * GB, VoicemailUsage: 1 * GB, MediaCacheUsage: 4 * GB });
    expect(storage).toEqual({ totalBytes: 128 * GB, appsBytes: 30 * GB, photosBytes: 22 * GB, mediaBytes: 5 * GB, otherBytes: 31 * GB, freeBytes: 40 * GB });
    const { totalBytes, ...parts } = storage!;
    expect(Object.values(parts).reduce((sum, value) => sum + value, 0)).toBe(totalBytes);
  });

  it('answers nothing for a phone without category keys (iOS 12+ dumps), so the page keeps used/free', () => {
    expect(storageCategories(capacity)).toBeUndefined();
    expect(storageCategories({ MobileApplicationUsage: 5 })).toBeUndefined();
  });

  it('never runs past the capacity when the phone counts more than it uses, and ignores negative values', () => {
    const storage = storageCategories({ ...capacity, MobileApplicationUsage: 80 * GB, CameraUsage: 30 * GB, VoicemailUsage: -5 });
    expect(storage).toEqual({ totalBytes: 128 * GB, appsBytes: 80 * GB, photosBytes: 8 * GB, mediaBytes: 0, otherBytes: 0, freeBytes: 40 * GB });
  });
});
