import { describe, expect, it } from 'vitest';
import type { BackupView, DeviceView } from '../../../shared/contract';
import { backupKind, backupNoun, backupState, groupBackups, totalDiskBytes } from './backup-groups';

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
      // The core's figures (files counted once): CCC's counted a backup this list no longer has.
      { totalBytes: 300, phones: [{ udid: 'AAA', diskBytes: 101, backupIds: ['a1', 'a2'] }, { udid: 'BBB', diskBytes: 100, backupIds: ['b1'] }, { udid: 'CCC', diskBytes: 99, backupIds: ['c0'] }] },
    );
    expect(groups.map((group) => [group.name, group.connected, group.backups.map((b) => b.id), group.diskBytes])).toEqual([
      ['Ben', true, ['b1'], 100],
      ['Anna', false, ['a2', 'a1'], 101],
      ['Finder phone', false, ['c1'], undefined],
    ]);
    expect(totalDiskBytes(undefined, groups)).toBeUndefined();
    expect(groups[2]).toMatchObject({ model: 'iPhone 7', productVersion: '14.3' });
  });

  it('gives the grand total only when the figures counted exactly the listed backups', () => {
    const usage = { totalBytes: 150, phones: [{ udid: 'AAA', diskBytes: 100, backupIds: ['a1', 'a2'] }, { udid: 'BBB', diskBytes: 50, backupIds: ['b1'] }] };
    const both = groupBackups([backup('a1', 'AAA', '1'), backup('a2', 'AAA', '2', { archived: true }), backup('b1', 'BBB', '1')], [], usage);
    expect(both.map((group) => group.diskBytes)).toEqual([100, 50]);
    expect(totalDiskBytes(usage, both)).toBe(150);
    // An archive made since the figures: that phone's total and the grand total are absent, not short.
    const more = groupBackups([backup('a1', 'AAA', '1'), backup('a2', 'AAA', '2'), backup('a3', 'AAA', '3', { archived: true }), backup('b1', 'BBB', '1')], [], usage);
    expect(more.map((group) => group.diskBytes)).toEqual([undefined, 50]);
    expect(totalDiskBytes(usage, more)).toBeUndefined();
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
