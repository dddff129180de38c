import { describe, expect, it } from 'vitest';
import { photosKeptInICloud, recommendBackup, type RestoreCandidate } from './restore-candidates';

const candidate = (id: string, createdAt: string | undefined, photoCount: number | undefined, encrypted = false): RestoreCandidate => ({
  id,
  path: `/backups/${id}`,
  location: 'root',
  createdAt,
  photoCount,
  encrypted,
  archived: false,
});

describe('the backup offered after a reset', () => {
  it('is the newest one holding the photos, not the oldest, whatever order the list comes in', () => {
    // Issue 12: six backups with photos, the oldest was recommended.
    const listed = [
      candidate('oldest', '2026-01-01T10:00:00Z', 140),
      candidate('b', '2026-02-01T10:00:00Z', 150),
      candidate('c', '2026-03-01T10:00:00Z', 155),
      candidate('newest', '2026-06-01T10:00:00Z', 170),
      candidate('d', '2026-04-01T10:00:00Z', 160),
      candidate('e', '2026-05-01T10:00:00Z', 165),
    ];
    expect(recommendBackup(listed, 0)?.id).toBe('newest');
  });

  it('passes over backups made after the reset, which hold no more photos than the phone', () => {
    const listed = [candidate('after-reset', '2026-07-02T10:00:00Z', 2), candidate('before-reset', '2026-07-01T10:00:00Z', 170)];
    expect(recommendBackup(listed, 2)?.id).toBe('before-reset');
  });

  it('counts an encrypted backup whose photos are not known yet, and offers nothing when none holds photos', () => {
    expect(recommendBackup([candidate('plain', '2026-01-01T00:00:00Z', 50), candidate('locked', '2026-02-01T00:00:00Z', undefined, true)], 0)?.id).toBe('locked');
    expect(recommendBackup([candidate('few', '2026-01-01T00:00:00Z', 3)], 3)).toBeUndefined();
    expect(recommendBackup([], 0)).toBeUndefined();
  });
});

describe('iCloud Photos, inferred', () => {
  it('is on when the newest backup with the Camera Roll included holds no photos while the phone has some', () => {
    expect(photosKeptInICloud({ includesCameraRoll: true, photoCount: 0 }, 6)).toBe(true);
    expect(photosKeptInICloud({ includesCameraRoll: undefined, photoCount: 0 }, 6)).toBe(true);
  });

  it('is not claimed when the Camera Roll was switched off, the backup has photos, the phone has none, or nothing is known', () => {
    expect(photosKeptInICloud({ includesCameraRoll: false, photoCount: 0 }, 6)).toBe(false);
    expect(photosKeptInICloud({ includesCameraRoll: true, photoCount: 12 }, 6)).toBe(false);
    expect(photosKeptInICloud({ includesCameraRoll: true, photoCount: 0 }, 0)).toBe(false);
    expect(photosKeptInICloud({ includesCameraRoll: undefined, photoCount: undefined }, 6)).toBe(false);
    expect(photosKeptInICloud(undefined, 6)).toBe(false);
  });
});
