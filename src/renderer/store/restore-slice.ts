import type { RestoreState, SliceContext } from './store-types';

export const initialRestore: RestoreState = { preflight: undefined, jobId: undefined, wizard: undefined, candidates: {} };

export interface RestoreChoices {
  readonly password?: string;
  /** Settings and system files too (a full restore), not only apps' data. */
  readonly system: boolean;
  /** The backup's settings replace the phone's. */
  readonly settings: boolean;
  readonly reboot: boolean;
}

/** The restore wizard's requests, and the after-reset check that can open it on the right backup. */
export function restoreActions({ api, set, attempt }: SliceContext) {
  return {
    openRestoreWizard(udid: string, backupId?: string): void {
      set('restore/wizard-opened', (state) => ({ restore: { ...state.restore, preflight: undefined, jobId: undefined, wizard: { udid, ...(backupId ? { backupId } : {}) } } }));
    },
    closeRestoreWizard(): void {
      set('restore/wizard-closed', (state) => ({ restore: { ...state.restore, preflight: undefined, jobId: undefined, wizard: undefined } }));
    },
    async preflightRestore(udid: string, backupId: string): Promise<void> {
      set('restore/preflight-started', (state) => ({ restore: { ...state.restore, preflight: undefined } }));
      const preflight = await attempt(() => api.invoke('restore:preflight', { udid, backupId }));
      set('restore/preflighted', (state) => ({ restore: { ...state.restore, preflight } }));
    },
    async startRestore(udid: string, backupId: string, choices: RestoreChoices = { system: false, settings: false, reboot: true }): Promise<string | undefined> {
      const started = await attempt(() =>
        api.invoke('restore:start', { udid, backupId, system: choices.system, settings: choices.settings, reboot: choices.reboot, ...(choices.password ? { password: choices.password } : {}) }),
      );
      if (started) set('restore/started', (state) => ({ restore: { ...state.restore, jobId: started.jobId } }));
      return started?.jobId;
    },
    /** Asks the core whether this phone looks newly erased; failures stay quiet (it is only a hint). */
    async loadRestoreCandidates(udid: string): Promise<void> {
      let view;
      try {
        view = await api.invoke('restore:candidates', { udid });
      } catch {
        return;
      }
      set('restore/candidates-loaded', (state) => ({ restore: { ...state.restore, candidates: { ...state.restore.candidates, [udid]: view } } }));
    },
  };
}
