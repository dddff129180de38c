import { describe, expect, it } from 'vitest';
import type { BackupView } from '../../../shared/contract';
import { cameraRollLabel } from './backup-history';

const backup = (id: string, patch: Partial<BackupView> = {}): BackupView => ({
  id, udid: 'A', path: `/b/${id}`, createdAt: '2026-12-01T10:00:00Z', sizeBytes: 1, encrypted: false, archived: false, status: 'complete', includesCameraRoll: true, ...patch,
});

describe('the history\'s Camera Roll column', () => {
  it('says "In iCloud Photos" only for the backup the inference rests on, not for every backup of the phone without photos', () => {
    const newest = backup('newest', { photoCount: 0 });
    // Made before the phone had photos (or before iCloud Photos was on): nothing says they were in iCloud.
    const older = backup('older', { photoCount: 0 });
    expect(cameraRollLabel(newest, 'newest')).toBe('In iCloud Photos');
    expect(cameraRollLabel(older, 'newest')).toBe('None');
    expect(cameraRollLabel(newest, undefined)).toBe('None');
  });

  it('counts items and says when the Camera Roll was left out', () => {
    expect(cameraRollLabel(backup('a', { photoCount: 1 }), undefined)).toBe('1 item');
    expect(cameraRollLabel(backup('a', { photoCount: 12 }), 'a')).toBe('12 items');
    expect(cameraRollLabel(backup('a', { includesCameraRoll: false, photoCount: 0 }), 'a')).toBe('Not included');
  });
});
