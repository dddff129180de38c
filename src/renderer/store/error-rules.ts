import type { AppError, AppErrorCode } from '../../shared/contract';
import type { AppState, ErrorScope, ShownError, UiState } from './store-types';

/**
 * Where an error belongs and when it goes away (issue 12 "errors that leave"). An error is shown in
 * one place only: inside the dialog the person was using, on the page of the phone it is about, or
 * on the screen where the person acted. It leaves when its cause is gone, not only when dismissed.
 */

/** Codes that describe the phone's state: they follow the phone, not the screen. */
const PHONE_STATE_CODES: ReadonlySet<AppErrorCode> = new Set(['device-locked', 'not-trusted', 'pairing-pending', 'pairing-denied', 'no-device', 'device-disconnected']);
/** Gone once the phone trusts this computer. */
const TRUST_CODES: ReadonlySet<AppErrorCode> = new Set(['not-trusted', 'pairing-pending', 'pairing-denied']);
/** At most this many errors at once: more would hide the page. */
const MAX_ERRORS = 3;

/** The scope of a new error: the open dialog, else the phone (for its state), else the screen. */
export function scopeFor(error: AppError, ui: UiState, selectedUdid: string | undefined): ErrorScope {
  const dialogId = ui.dialogs[ui.dialogs.length - 1];
  if (dialogId !== undefined) return { kind: 'dialog', dialogId };
  if (error.udid !== undefined && PHONE_STATE_CODES.has(error.code)) return { kind: 'device', udid: error.udid };
  return { kind: 'screen', screen: ui.screen, ...(ui.screen === 'device' && selectedUdid ? { udid: selectedUdid } : {}) };
}

/** Adds an error; the same sentence in the same scope replaces the older one instead of stacking. */
export function withError(errors: readonly ShownError[], shown: ShownError): readonly ShownError[] {
  const same = (other: ShownError) => other.error.code === shown.error.code && other.error.message === shown.error.message && sameScope(other.scope, shown.scope);
  return [...errors.filter((other) => !same(other)), shown].slice(-MAX_ERRORS);
}

function sameScope(a: ErrorScope, b: ErrorScope): boolean {
  if (a.kind === 'dialog') return b.kind === 'dialog' && a.dialogId === b.dialogId;
  if (a.kind === 'device') return b.kind === 'device' && a.udid === b.udid;
  return b.kind === 'screen' && a.screen === b.screen && a.udid === b.udid;
}

/** The phone an error is about: its own udid, else the phone page it was raised on. */
function phoneOf(shown: ShownError): string | undefined {
  if (shown.scope.kind === 'dialog') return undefined;
  return shown.error.udid ?? shown.scope.udid;
}

/** Errors the page shows now: page-level ones for this screen (dialog errors stay in their dialog). */
export function pageErrors(state: AppState): readonly ShownError[] {
  const { screen } = state.ui;
  const udid = state.devices.selectedUdid;
  return state.ui.errors.filter(({ scope }) => {
    if (scope.kind === 'dialog') return false;
    if (scope.kind === 'device') return screen === 'device' && scope.udid === udid;
    return scope.screen === screen && (screen !== 'device' || scope.udid === udid);
  });
}

/** Errors raised inside one dialog. */
export function dialogErrors(state: AppState, dialogId: string): readonly ShownError[] {
  return state.ui.errors.filter(({ scope }) => scope.kind === 'dialog' && scope.dialogId === dialogId);
}

/**
 * Drops the errors whose cause went away between two states. Runs after every store change, so
 * each rule is a transition (before → after) and an error raised after its cause has already gone
 * (e.g. "disconnected" arriving once the phone is gone) still shows until dismissed.
 */
export function reconcileErrors(before: AppState, after: AppState): readonly ShownError[] {
  const errors = after.ui.errors;
  if (errors.length === 0) return errors;
  const kept = errors.filter((shown) => !isResolved(shown, before, after));
  return kept.length === errors.length ? errors : kept;
}

function isResolved(shown: ShownError, before: AppState, after: AppState): boolean {
  const { scope, error } = shown;
  // A dialog's errors leave with the dialog.
  if (scope.kind === 'dialog') return !after.ui.dialogs.includes(scope.dialogId);
  // The person navigated away from where they acted.
  if (scope.kind === 'screen') {
    const navigated = after.ui.screen !== scope.screen || (scope.screen === 'device' && after.devices.selectedUdid !== scope.udid);
    if (navigated) return true;
    // Settings were saved since (another folder chosen, the field corrected): an error about what was
    // entered before no longer holds, and left on screen it says a good folder is wrong.
    if (scope.screen === 'settings' && before.settings.value !== undefined && after.settings.value !== before.settings.value) return true;
  }
  const udid = phoneOf(shown);
  if (udid === undefined) return false;
  const was = before.devices.list.find((device) => device.udid === udid);
  const now = after.devices.list.find((device) => device.udid === udid);
  // The phone left (its page then says it is not connected), or its next job succeeded.
  if (leftOrSucceeded(before, after, udid)) return true;
  // Trust succeeded.
  if (TRUST_CODES.has(error.code) && now?.trust === 'trusted' && was?.trust !== 'trusted') return true;
  // Unlocked: the phone left the locked state, or a job is now really running on it.
  if (error.code === 'device-locked' && was?.trust === 'locked' && now !== undefined && now.trust !== 'locked') return true;
  // A trusted phone's screen was unlocked (the core watches PasswordProtected until it is).
  if (error.code === 'device-locked' && was?.passcodeLocked === true && now?.connected === true && now.passcodeLocked !== true) return true;
  return PHONE_STATE_CODES.has(error.code) && startedRunning(before, after, udid);
}

/**
 * Error toasts (a job failed) follow the same causes: gone when the phone leaves, when a job on it
 * gets going, or when its next job succeeds. Informational toasts time out by themselves.
 */
export function reconcileNotices(before: AppState, after: AppState): AppState['ui']['notices'] {
  const notices = after.ui.notices;
  const kept = notices.filter((notice) => notice.level !== 'error' || notice.udid === undefined || !phoneRecovered(before, after, notice.udid));
  return kept.length === notices.length ? notices : kept;
}

/** Whether the page on screen already says how this phone's last job ended (its page, or its restore wizard). */
export function pageShowsJobsOf(state: AppState, udid: string | undefined): boolean {
  return udid !== undefined && state.ui.screen === 'device' && state.devices.selectedUdid === udid;
}

function phoneRecovered(before: AppState, after: AppState, udid: string): boolean {
  return leftOrSucceeded(before, after, udid) || startedRunning(before, after, udid);
}

function leftOrSucceeded(before: AppState, after: AppState, udid: string): boolean {
  const was = before.devices.list.find((device) => device.udid === udid);
  const now = after.devices.list.find((device) => device.udid === udid);
  if (was?.connected && !now?.connected) return true;
  const finished = after.jobs.lastFinished[udid];
  return finished !== undefined && finished !== before.jobs.lastFinished[udid] && finished.outcome === 'succeeded';
}

/** A job on this phone moved past "preparing": the phone is unlocked, trusted and answering. */
function startedRunning(before: AppState, after: AppState, udid: string): boolean {
  const running = (state: AppState) => Object.values(state.jobs.active).some((job) => job.udid === udid && job.phase !== 'preparing');
  return running(after) && !running(before);
}
