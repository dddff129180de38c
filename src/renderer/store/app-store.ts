import { createStore, type StoreApi } from 'zustand/vanilla';
import { appError, AppErrorException, type MainApi } from '../../shared/contract';
import { backupsActions, initialBackups, initialJobs, jobsActions } from './backups-slice';
import { devicesActions, initialDevices } from './devices-slice';
import { reconcileErrors, reconcileNotices } from './error-rules';
import { browserActions, initialBrowser } from './browser-slice';
import { initialLibrary, libraryActions } from './library-slice';
import { initialPasswords, passwordsActions } from './passwords-slice';
import { initialPhotos, photosActions } from './photos-slice';
import { initialRestore, restoreActions } from './restore-slice';
import { initialSettings, settingsActions } from './settings-slice';
import type { AppState, NamedSet, SliceContext } from './store-types';
import { initialUi, uiActions } from './ui-slice';

export type AppActions = ReturnType<typeof devicesActions> &
  ReturnType<typeof backupsActions> &
  ReturnType<typeof jobsActions> &
  ReturnType<typeof settingsActions> &
  ReturnType<typeof restoreActions> &
  ReturnType<typeof photosActions> &
  ReturnType<typeof browserActions> &
  ReturnType<typeof libraryActions> &
  ReturnType<typeof uiActions> &
  ReturnType<typeof passwordsActions>;

export interface AppStore {
  readonly store: StoreApi<AppState>;
  readonly actions: AppActions;
  /** Subscribes to main's events and loads the first state; returns the unsubscribe function. */
  connect(): () => void;
}

export const initialState: AppState = {
  devices: initialDevices,
  backups: initialBackups,
  jobs: initialJobs,
  settings: initialSettings,
  restore: initialRestore,
  photos: initialPhotos,
  browser: initialBrowser,
  library: initialLibrary,
  ui: initialUi,
  passwords: initialPasswords,
  lastAction: 'init',
};

/**
 * One store of typed slices. Actions are plain functions (stable references, safe to pass to
 * components); every change is named `slice/event`.
 */
export function createAppStore(api: MainApi): AppStore {
  const store = createStore<AppState>(() => initialState);
  // Every change also drops the errors whose cause it removed (error-rules.ts), so no slice has to remember to.
  const set: NamedSet = (action, change) =>
    store.setState((state) => {
      const next: AppState = { ...state, ...change(state), lastAction: action };
      const errors = reconcileErrors(state, next);
      const notices = reconcileNotices(state, next);
      return errors === next.ui.errors && notices === next.ui.notices ? next : { ...next, ui: { ...next.ui, errors, notices } };
    });
  const context: SliceContext = {
    api,
    set,
    get: store.getState,
    async attempt(work) {
      try {
        return await work();
      } catch (error) {
        const shown = error instanceof AppErrorException ? error.error : appError('unknown');
        // The person's own Cancel (e.g. in the password prompt) is not an error to show.
        if (shown.code !== 'cancelled') actions.errorShown(shown);
        return undefined;
      }
    },
  };
  const actions: AppActions = {
    ...devicesActions(context),
    ...backupsActions(context),
    ...jobsActions(context),
    ...settingsActions(context),
    ...restoreActions(context),
    ...photosActions(context),
    ...browserActions(context),
    ...libraryActions(context),
    ...uiActions(context),
    ...passwordsActions(context),
  };

  function connect(): () => void {
    const offs = [
      api.on('devices:changed', ({ devices }) => actions.devicesChanged(devices)),
      api.on('backups:changed', ({ backups, usage }) => actions.backupsChanged(backups, usage)),
      api.on('settings:changed', (value) => actions.settingsChanged(value)),
      api.on('job:progress', (progress) => actions.jobProgress(progress)),
      api.on('job:finished', (finished) => actions.jobFinished(finished)),
      api.on('notify', (notice) => actions.noticeReceived(notice)),
      api.on('password:needed', (request) => actions.passwordNeeded(request)),
      api.on('password:settled', (settled) => actions.passwordSettled(settled)),
      api.on('settings:move-progress', (progress) => actions.moveProgressed(progress)),
    ];
    void Promise.all([actions.loadDevices(), actions.loadBackups(), actions.loadSettings(), actions.loadJobs(), actions.loadPasswordRequests()]);
    return () => offs.forEach((off) => off());
  }

  return { store, actions, connect };
}
