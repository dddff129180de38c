import { describe, expect, it } from 'vitest';
import type { BackupView, DeviceView } from '../../../shared/contract';
import { backupKind, backupNoun, backupState, groupBackups } from './backup-groups';

const backup = (id: string, udid: string, createdAt: string, extra: Partial<BackupView> = {}): BackupView => ({
  id, udid, path: `/b/${id}`, createdAt, sizeBytes: 100, encrypted: false, archived: false, status: 'complete', ...extra,
});
const device = (udid: string, connected: boolean, name: string): DeviceView => ({ udid, connected, trust: connected ? 'trusted' : 'unknown', name, settings: { cameraRoll: true, autoBackup: false } });

describe('groupBackups', () => {
  it('groups by phone, newest first, plugged-in phones first, and names a phone only its backups know', () => {
    const groups = groupBackups(
      [
        backup('a1', 'AAA', '2026-01-01T00:00:00Z', { deviceName: 'Old name' }),
        backup('b1', 'BBB', '2026-01-02T00:00:00Z'),
        backup('a2', 'AAA', '2026-02-01T00:00:00Z', { place: 'snapshot', diskBytes: 7 }),
        backup('c1', 'CCC', '2026-01-03T00:00:00Z', { deviceName: 'Finder phone', modelName: 'iPhone 7', productVersion: '14.3', madeBy: 'other', place: 'other' }),
      ],
      [device('AAA', false, 'Anna'), device('BBB', true, 'Ben')],
    );
    expect(groups.map((group) => [group.name, group.connected, group.backups.map((b) => b.id), group.diskBytes])).toEqual([
      ['Ben', true, ['b1'], 100],
      ['Anna', false, ['a2', 'a1'], 107],
      ['Finder phone', false, ['c1'], 100],
    ]);
    expect(groups[2]).toMatchObject({ model: 'iPhone 7', productVersion: '14.3' });
  });

  it('says what kind and state each backup is', () => {
    expect(backupKind(backup('x', 'A', '', { place: 'current' }))).toBe('Latest');
    expect(backupKind(backup('x', 'A', '', { place: 'current', archived: true }))).toBe('Archive');
    expect(backupKind(backup('x', 'A', '', { place: 'snapshot' }))).toBe('Earlier backup');
    expect(backupKind(backup('x', 'A', '', { place: 'other' }))).toBe('Added folder');
    expect(backupKind(backup('x', 'A', '', { place: 'other', addedSnapshot: true }))).toBe('Earlier backup, added folder');
    expect(backupState(backup('x', 'A', '', { status: 'incomplete', damaged: true }))).toBe('Damaged');
    expect(backupState(backup('x', 'A', '', { status: 'incomplete' }))).toBe('Incomplete');
  });

  it('names a backup in a sentence without saying "backup" twice', () => {
    expect(backupNoun(backup('x', 'A', '', { place: 'snapshot' }))).toBe('earlier backup');
    expect(backupNoun(backup('x', 'A', '', { place: 'current' }))).toBe('latest backup');
    expect(backupNoun(backup('x', 'A', '', { archived: true }))).toBe('archived backup');
    expect(backupNoun(backup('x', 'A', ''))).toBe('backup');
  });
});
