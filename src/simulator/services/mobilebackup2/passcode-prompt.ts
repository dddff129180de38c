import type { ServiceContext } from '../../device/service-context';
import { MB_ERROR, MobileBackupError } from './mb-error';

/** NP names the phone relays around its passcode sheet (protocol.md §2.8, §3.10). */
export const PASSCODE_NOTIFICATION = {
  presented: 'com.apple.LocalAuthentication.ui.presented',
  dismissed: 'com.apple.LocalAuthentication.ui.dismissed',
} as const;

/** "~3 min later it fails with 208" (protocol.md §3.10). */
export const DEFAULT_PASSCODE_TIMEOUT_MS = 180_000;
const DEFAULT_ANSWER_MS = 500;

/** iOS 16.1 and 15.7.1 brought the passcode prompt before a backup (protocol.md §9 version table). */
export function asksPasscodeForBackup(productVersion: string): boolean {
  const [major = 0, minor = 0, patch = 0] = productVersion.split('.').map((part) => Number.parseInt(part, 10) || 0);
  if (major >= 17 || (major === 16 && minor >= 1)) return true;
  return major === 15 && (minor > 7 || (minor === 7 && patch >= 1));
}

/**
 * Before the first DL request of a backup, a phone with a passcode on iOS 16.1+ shows its passcode
 * sheet and sends nothing until the person types it (§3.10). A Cancel, or nobody answering for
 * `passcodeTimeoutMs`, ends the backup with MBErrorDomain 208 — the code a real phone sends when
 * the prompt times out; that Cancel also gives 208 is inferred, not observed.
 */
export async function awaitBackupPasscode(context: ServiceContext): Promise<void> {
  const faults = context.faults();
  const answer = faults.passcodePrompt;
  if (answer === undefined || !asksPasscodeForBackup(context.identity.productVersion)) return;
  context.notifications.post(PASSCODE_NOTIFICATION.presented);
  context.log(`mobilebackup2: passcode prompt shown (${answer})`);
  const timeoutMs = faults.passcodeTimeoutMs ?? DEFAULT_PASSCODE_TIMEOUT_MS;
  const answerMs = faults.passcodeAnswerMs ?? DEFAULT_ANSWER_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const typed = personAnswers(context, answer, answerMs);
  const outcome = await Promise.race([typed, timedOut]);
  clearTimeout(timer);
  context.passcodeScreen?.dismiss();
  context.notifications.post(PASSCODE_NOTIFICATION.dismissed);
  context.log(`mobilebackup2: passcode prompt ${outcome}`);
  if (outcome === 'typed') return;
  throw new MobileBackupError(MB_ERROR.deviceLocked, outcome === 'timeout' ? 'Passcode was not entered in time' : 'Passcode entry was cancelled');
}

function personAnswers(context: ServiceContext, answer: NonNullable<ReturnType<ServiceContext['faults']>['passcodePrompt']>, answerMs: number): Promise<'typed' | 'cancelled'> {
  switch (answer) {
    case 'accept':
    case 'deny':
      return new Promise((resolve) => setTimeout(() => resolve(answer === 'accept' ? 'typed' : 'cancelled'), answerMs));
    case 'ignore':
      return new Promise(() => undefined);
    case 'ask':
      return context.passcodeScreen ? context.passcodeScreen.ask().then((typed) => (typed ? 'typed' : 'cancelled')) : new Promise(() => undefined);
  }
}
