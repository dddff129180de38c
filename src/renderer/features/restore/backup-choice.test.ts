import { describe, expect, it } from 'vitest';
import type { BackupView } from '../../../shared/contract';
import { backupOrigin } from './backup-choice';

const backup = (overrides: Partial<BackupView>): BackupView => ({ id: 'b', udid: 'U', path: '/Backups/U', createdAt: '2026-12-03T05:53:02Z', sizeBytes: 1, encrypted: false, archived: false, status: 'complete', ...overrides });

describe('the restore wizard\'s badge for where a backup came from', () => {
  it('marks an earlier backup in plain words, as Manage Backups does (it read a field nothing sets, so none was marked)', () => {
    expect(backupOrigin(backup({ place: 'current' }), '/Backups')).toBeUndefined();
    expect(backupOrigin(backup({ place: 'snapshot', path: '/Backups/.lifeboat/snapshots/U/1' }), '/Backups')).toBe('Earlier backup');
    expect(backupOrigin(backup({ place: 'other', addedSnapshot: true, path: '/Old/.lifeboat/snapshots/U/1' }), '/Backups')).toBe('Earlier backup, added folder');
    expect(backupOrigin(backup({ place: 'other', path: '/Old/U' }), '/Backups')).toBe('Added folder');
    expect(backupOrigin(backup({ archived: true }), '/Backups')).toBe('Archive');
  });
});
