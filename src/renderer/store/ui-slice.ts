import type { AppError, NoticeView } from '../../shared/contract';
import type { SliceContext, UiState } from './store-types';

export const initialUi: UiState = { notices: [], connected: false, error: undefined, screen: 'device' };

/** Toasts stay until dismissed or pushed out; five is as many as fit. */
const MAX_NOTICES = 5;

export function uiActions({ set }: SliceContext) {
  return {
    noticeReceived(notice: NoticeView): void {
      set('ui/notice-received', (state) => ({ ui: { ...state.ui, notices: [...state.ui.notices, notice].slice(-MAX_NOTICES) } }));
    },
    dismissNotice(id: string): void {
      set('ui/notice-dismissed', (state) => ({ ui: { ...state.ui, notices: state.ui.notices.filter((notice) => notice.id !== id) } }));
    },
    connectionChanged(connected: boolean): void {
      set('ui/connection-changed', (state) => ({ ui: { ...state.ui, connected } }));
    },
    errorShown(error: AppError): void {
      set('ui/error-shown', (state) => ({ ui: { ...state.ui, error } }));
    },
    dismissError(): void {
      set('ui/error-dismissed', (state) => ({ ui: { ...state.ui, error: undefined } }));
    },
    showScreen(screen: UiState['screen']): void {
      set('ui/screen-shown', (state) => ({ ui: { ...state.ui, screen } }));
    },
  };
}
