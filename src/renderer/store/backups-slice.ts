import type { BackupsChanged, BackupView, JobFinished, JobProgress } from '../../shared/contract';
import type { BackupsState, JobsState, SliceContext } from './store-types';

export const initialBackups: BackupsState = { list: [], pending: {}, revealed: {} };
export const initialJobs: JobsState = { active: {}, lastFinished: {} };

type RowAction = BackupsState['pending'][string];

export function backupsActions({ api, set, attempt }: SliceContext) {
  /** The usage travels with the list it counted (backups:changed): an event without one clears it, as the sizes may have changed. */
  const backupsChanged = (list: readonly BackupView[], usage?: BackupsChanged['usage']): void =>
    set('backups/changed', (state) => {
      const { usage: _previous, ...rest } = state.backups;
      return { backups: { ...rest, list, ...(usage ? { usage } : {}) } };
    });

  /** Marks a row busy while its request runs, so its buttons disable and say why. */
  async function onRow<T>(backupId: string, action: RowAction, work: () => Promise<T>): Promise<T | undefined> {
    set(`backups/${action}-started`, (state) => ({ backups: { ...state.backups, pending: { ...state.backups.pending, [backupId]: action } } }));
    try {
      return await attempt(work);
    } finally {
      set(`backups/${action}-ended`, (state) => {
        const pending = { ...state.backups.pending };
        delete pending[backupId];
        return { backups: { ...state.backups, pending } };
      });
    }
  }

  return {
    backupsChanged,
    async loadBackups(): Promise<void> {
      // backups:list sends backups:changed first, with the usage when counted already, else again once
      // counted; this answer keeps whatever usage is there (the groups show a total only for the very backups it counted).
      const list = await attempt(() => api.invoke('backups:list', {}));
      if (list) set('backups/listed', (state) => ({ backups: { ...state.backups, list } }));
    },
    /** The finding arrives with the list (backups:changed: `verifiedAt`, status, problems), in every window and after a reload. */
    async verifyBackup(backupId: string, password?: string): Promise<void> {
      await onRow(backupId, 'verify', () => api.invoke('backups:verify', password ? { backupId, password } : { backupId }));
    },
    async deleteBackup(backupId: string): Promise<void> {
      const done = await onRow(backupId, 'delete', () => api.invoke('backups:delete', { backupId }));
      if (done?.deleted) set('backups/deleted', (state) => ({ backups: { ...state.backups, list: state.backups.list.filter((b) => b.id !== backupId) } }));
    },
    async archiveBackup(backupId: string): Promise<void> {
      const view = await onRow(backupId, 'archive', () => api.invoke('backups:archive', { backupId }));
      // Archiving copies the backup (Finder's `<UDID>-yyyyMMdd-HHmmss`): the original stays and the copy joins
      // the list once, however its backups:changed raced this answer.
      if (view) set('backups/archived', (state) => ({ backups: { ...state.backups, list: [...state.backups.list.filter((b) => b.id !== view.id), view] } }));
    },
    async revealBackup(backupId: string): Promise<void> {
      const shown = await onRow(backupId, 'reveal', () => api.invoke('backups:reveal', { backupId }));
      if (shown) set('backups/revealed', (state) => ({ backups: { ...state.backups, revealed: { ...state.backups.revealed, [backupId]: shown.path } } }));
    },
  };
}

export function jobsActions({ api, set, get, attempt }: SliceContext) {
  return {
    jobProgress(progress: JobProgress): void {
      set('jobs/progress', (state) => ({ jobs: { ...state.jobs, active: { ...state.jobs.active, [progress.jobId]: progress } } }));
    },
    jobFinished(finished: JobFinished): void {
      set('jobs/finished', (state) => {
        const active = { ...state.jobs.active };
        delete active[finished.jobId];
        return { jobs: { active, lastFinished: { ...state.jobs.lastFinished, [finished.udid]: finished } } };
      });
    },
    async loadJobs(): Promise<void> {
      const list = await attempt(() => api.invoke('jobs:list', {}));
      if (list) set('jobs/loaded', (state) => ({ jobs: { ...state.jobs, active: Object.fromEntries(list.map((job) => [job.jobId, job])) } }));
    },
    async startBackup(udid: string, full = false): Promise<void> {
      const started = await attempt(() => api.invoke('backup:start', full ? { udid, full } : { udid }));
      // The first job:progress usually arrives before this answer; if not, show "preparing" now.
      if (started) {
        set('jobs/started', (state) =>
          state.jobs.active[started.jobId]
            ? {}
            : { jobs: { ...state.jobs, active: { ...state.jobs.active, [started.jobId]: { jobId: started.jobId, udid, kind: 'backup', phase: 'preparing', filesDone: 0, bytesDone: 0, startedAt: new Date().toISOString() } } } },
        );
      }
    },
    async cancelJob(jobId: string): Promise<void> {
      const kind = get().jobs.active[jobId]?.kind;
      const channel = kind === 'restore' ? 'restore:cancel' : kind === 'photos-import' ? 'photos:cancel' : 'backup:cancel';
      await attempt(() => api.invoke(channel, { jobId }));
    },
  };
}

/** The running job of one phone, if any. */
export function activeJobFor(jobs: JobsState, udid: string | undefined): JobProgress | undefined {
  return udid ? Object.values(jobs.active).find((job) => job.udid === udid) : undefined;
}
