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
});
