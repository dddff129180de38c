import type { AppError, NoticeView } from '../../shared/contract';
import { pageShowsJobsOf, scopeFor, withError } from './error-rules';
import type { SliceContext, UiState } from './store-types';

export const initialUi: UiState = { notices: [], connected: false, errors: [], dialogs: [], screen: 'device' };

/** Toasts stay until dismissed or pushed out; five is as many as fit. */
const MAX_NOTICES = 5;

export function uiActions({ set }: SliceContext) {
  let errorCounter = 0;
  return {
    noticeReceived(notice: NoticeView): void {
      set('ui/notice-received', (state) =>
        // How a job of the phone on screen ended is told by its page (the last outcome line): one place
        // per error, and no toast repeating "finished" beside it (issue 12). Another phone's, or one
        // that ends while the person is on another screen, still gets its toast.
        {
          // A job that ended makes its phone's "… started" toast old news, whether or not an end toast follows.
          const ended = notice.about === 'job-finished' || (notice.level === 'error' && notice.udid !== undefined);
          const notices = ended ? state.ui.notices.filter((shown) => !(shown.about === 'job-started' && shown.udid === notice.udid)) : state.ui.notices;
          const toastIt = !((notice.level === 'error' || notice.about === 'job-finished') && pageShowsJobsOf(state, notice.udid));
          return { ui: { ...state.ui, notices: toastIt ? [...notices, notice].slice(-MAX_NOTICES) : notices } };
        },
      );
    },
    dismissNotice(id: string): void {
      set('ui/notice-dismissed', (state) => ({ ui: { ...state.ui, notices: state.ui.notices.filter((notice) => notice.id !== id) } }));
    },
    connectionChanged(connected: boolean): void {
      set('ui/connection-changed', (state) => ({ ui: { ...state.ui, connected } }));
    },
    /** A failed request: shown in the open dialog, on its phone's page, or on this screen (error-rules.ts). */
    errorShown(error: AppError): void {
      errorCounter += 1;
      const id = errorCounter;
      set('ui/error-shown', (state) => ({
        ui: { ...state.ui, errors: withError(state.ui.errors, { id, error, scope: scopeFor(error, state.ui, state.devices.selectedUdid) }) },
      }));
    },
    dismissError(id: number): void {
      set('ui/error-dismissed', (state) => ({ ui: { ...state.ui, errors: state.ui.errors.filter((shown) => shown.id !== id) } }));
    },
    dialogOpened(dialogId: string): void {
      set('ui/dialog-opened', (state) => ({ ui: { ...state.ui, dialogs: [...state.ui.dialogs.filter((id) => id !== dialogId), dialogId] } }));
    },
    dialogClosed(dialogId: string): void {
      set('ui/dialog-closed', (state) => ({ ui: { ...state.ui, dialogs: state.ui.dialogs.filter((id) => id !== dialogId) } }));
    },
    showScreen(screen: UiState['screen']): void {
      set('ui/screen-shown', (state) => ({ ui: { ...state.ui, screen } }));
    },
  };
}
