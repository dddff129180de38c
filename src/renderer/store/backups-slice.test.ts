import { describe, expect, it } from 'vitest';
import type { BackupView } from '../../shared/contract';
import { createAppStore } from './app-store';
import { fakeApiAnswering } from './fake-main-api';

const backup = (id: string, patch: Partial<BackupView> = {}): BackupView => ({
  id, udid: 'A', path: `/b/${id}`, createdAt: '2026-01-01T00:00:00Z', sizeBytes: 1, encrypted: false, archived: false, status: 'complete', ...patch,
});

describe('backups slice', () => {
  it('keeps the original when a backup is archived (a copy) and lists the copy once, even after backups:changed', async () => {
    const original = backup('orig', { place: 'current' });
    const archive = backup('copy', { archived: true, path: '/b/A-20260101-000000' });
    const { api, emit } = fakeApiAnswering({ 'backups:archive': () => archive });
    const { store, actions } = createAppStore(api);
    actions.backupsChanged([original]);
    const archiving = actions.archiveBackup('orig');
    // The core's event usually arrives before the answer.
    emit('backups:changed', { backups: [original, archive] });
    await archiving;
    expect(store.getState().backups.list.map((b) => b.id)).toEqual(['orig', 'copy']);
  });

  it('keeps the usage sent with the list through backups:list\'s answer, and drops it when a list comes without one', async () => {
    const original = backup('orig', { place: 'current' });
    const usage = { totalBytes: 5, phones: [{ udid: 'A', diskBytes: 5, backupIds: ['orig'] }] };
    // The core sends backups:changed (with the usage) before it answers backups:list.
    const fake = fakeApiAnswering({
      'backups:list': () => {
        fake.emit('backups:changed', { backups: [original], usage });
        return [original];
      },
    });
    const { api, emit } = fake;
    const { store, actions, connect } = createAppStore(api);
    connect();
    await actions.loadBackups();
    expect(store.getState().backups.usage).toEqual(usage);
    // A list without figures (its sizes may have changed) leaves no stale total.
    emit('backups:changed', { backups: [original] });
    expect(store.getState().backups.usage).toBeUndefined();
  });
});
