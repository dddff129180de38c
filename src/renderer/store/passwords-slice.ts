import { AppErrorException, type PasswordRequestView, type PasswordSettled, type RememberedPasswordView } from '../../shared/contract';
import type { PasswordsState, SliceContext } from './store-types';

export const initialPasswords: PasswordsState = { requests: [], submitting: {}, remembered: {} };

/** What passwords:remember answered: remembered, or the sentence to show in the dialog. */
export type RememberOutcome = { readonly ok: true } | { readonly ok: false; readonly problem: string };

/**
 * The one password prompt's state: the core's waiting requests (password:needed, cleared by
 * password:settled), which of them is being checked, and whether a phone's password is remembered.
 * The password itself never enters the store: it goes from the field straight to the request.
 */
export function passwordsActions({ api, set, attempt }: SliceContext) {
  const without = (requestId: string) => (state: { passwords: PasswordsState }): { passwords: PasswordsState } => {
    const submitting = { ...state.passwords.submitting };
    delete submitting[requestId];
    return { passwords: { ...state.passwords, requests: state.passwords.requests.filter((request) => request.requestId !== requestId), submitting } };
  };
  return {
    /** A new request, or the same one asked again (a wrong password): its check is over either way. */
    passwordNeeded(request: PasswordRequestView): void {
      set('passwords/needed', (state) => {
        const known = state.passwords.requests.some((candidate) => candidate.requestId === request.requestId);
        const requests = known ? state.passwords.requests.map((candidate) => (candidate.requestId === request.requestId ? request : candidate)) : [...state.passwords.requests, request];
        const submitting = { ...state.passwords.submitting };
        delete submitting[request.requestId];
        return { passwords: { ...state.passwords, requests, submitting } };
      });
    },
    passwordSettled(settled: PasswordSettled): void {
      set('passwords/settled', without(settled.requestId));
    },
    async loadPasswordRequests(): Promise<void> {
      const requests = await attempt(() => api.invoke('passwords:pending', {}));
      if (requests) set('passwords/loaded', (state) => ({ passwords: { ...state.passwords, requests } }));
    },
    /** Hands the typed password to the waiting work; the prompt shows "Checking…" until it settles or asks again. */
    async providePassword(requestId: string, password: string, remember: boolean): Promise<void> {
      set('passwords/submitted', (state) => ({ passwords: { ...state.passwords, submitting: { ...state.passwords.submitting, [requestId]: true } } }));
      const answer = await attempt(() => api.invoke('passwords:provide', { requestId, password, remember }));
      // Not accepted: the request is over (answered in another window, or its job was cancelled).
      if (!answer?.accepted) set('passwords/gone', without(requestId));
    },
    async cancelPasswordRequest(requestId: string): Promise<void> {
      set('passwords/cancelled', without(requestId));
      await attempt(() => api.invoke('passwords:cancel', { requestId }));
    },
    async loadPasswordStatus(udid: string): Promise<RememberedPasswordView | undefined> {
      const view = await attempt(() => api.invoke('passwords:status', { udid }));
      if (view) set('passwords/status', (state) => ({ passwords: { ...state.passwords, remembered: { ...state.passwords.remembered, [udid]: view } } }));
      return view;
    },
    /** Remembers a phone's password ahead of its backups; a wrong one is said in the dialog, not the banner. */
    async rememberPassword(udid: string, password: string): Promise<RememberOutcome> {
      try {
        const view = await api.invoke('passwords:remember', { udid, password });
        set('passwords/remembered', (state) => ({ passwords: { ...state.passwords, remembered: { ...state.passwords.remembered, [udid]: view } } }));
        return { ok: true };
      } catch (error) {
        const shown = error instanceof AppErrorException ? error.error : undefined;
        if (shown?.code === 'wrong-password') return { ok: false, problem: 'That password does not open the newest backup of this iPhone. Check it and try again.' };
        return { ok: false, problem: shown ? shown.message : 'Lifeboat could not remember the password.' };
      }
    },
    async forgetPassword(udid: string): Promise<void> {
      const view = await attempt(() => api.invoke('passwords:forget', { udid }));
      if (view) set('passwords/forgotten', (state) => ({ passwords: { ...state.passwords, remembered: { ...state.passwords.remembered, [udid]: view } } }));
    },
  };
}
