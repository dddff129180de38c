import type { BrowserState, PhotosState, RestoreState, SliceContext } from './store-types';

/* Restore, photo import and the backup browser: the state and requests are in place; their
   screens arrive with those features. */

export const initialRestore: RestoreState = { preflight: undefined, jobId: undefined };
export const initialPhotos: PhotosState = { jobId: undefined };
export const initialBrowser: BrowserState = { session: undefined, page: undefined, query: '' };

export function restoreActions({ api, set, attempt }: SliceContext) {
  return {
    async preflightRestore(udid: string, backupId: string): Promise<void> {
      const preflight = await attempt(() => api.invoke('restore:preflight', { udid, backupId }));
      set('restore/preflighted', (state) => ({ restore: { ...state.restore, preflight } }));
    },
    async startRestore(udid: string, backupId: string, password?: string): Promise<void> {
      const started = await attempt(() => api.invoke('restore:start', password ? { udid, backupId, password } : { udid, backupId }));
      if (started) set('restore/started', (state) => ({ restore: { ...state.restore, jobId: started.jobId } }));
    },
  };
}

export function photosActions({ api, set, attempt }: SliceContext) {
  return {
    async importPhotos(udid: string, destination: string): Promise<void> {
      // Remember the folder for next time; then start (the job's progress arrives as job:progress).
      await attempt(() => api.invoke('settings:set', { photoImportFolder: destination }));
      const started = await attempt(() => api.invoke('photos:import', { udid, destination }));
      if (started) set('photos/started', () => ({ photos: { jobId: started.jobId } }));
    },
  };
}

export function browserActions({ api, set, get, attempt }: SliceContext) {
  return {
    async openBrowser(backupId: string, password?: string): Promise<void> {
      const session = await attempt(() => api.invoke('browser:open', password ? { backupId, password } : { backupId }));
      if (!session) return;
      const page = await attempt(() => api.invoke('browser:list', { sessionId: session.sessionId }));
      set('browser/opened', () => ({ browser: { session, page, query: '' } }));
    },
    async searchBrowser(query: string): Promise<void> {
      const session = get().browser.session;
      if (!session) return;
      const page = await attempt(() => api.invoke('browser:search', { sessionId: session.sessionId, query }));
      set('browser/searched', (state) => ({ browser: { ...state.browser, page, query } }));
    },
  };
}
