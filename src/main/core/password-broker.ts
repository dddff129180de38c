import { randomUUID } from 'node:crypto';
import { AppErrorException, appError } from '../../shared/app-error';
import type { PasswordReason, PasswordRequestView, RememberedPasswordView } from '../../shared/contract';
import { toAppError } from './error-mapping';
import type { EventHub } from './event-hub';

/**
 * Where remembered passwords outlive the app: the desktop app's keychain vault
 * (src/main/electron/password-vault.ts, safeStorage). Without one (web mode, CLI) "remember" keeps
 * the password in this process's memory until Lifeboat quits.
 */
export interface RememberedPasswords {
  isAvailable(): boolean;
  get(udid: string): Promise<string | undefined>;
  set(udid: string, password: string): Promise<void>;
  delete(udid: string): Promise<void>;
}

/** Who needs a password, for what: what the prompt says. */
export interface PasswordNeed {
  readonly udid: string;
  readonly reason: PasswordReason;
  readonly backupId?: string;
  readonly jobId?: string;
  readonly automatic?: boolean;
  readonly deviceName?: string;
}

interface WithPasswordOptions {
  /** A password the caller passed in itself: used as it is, and a wrong one fails instead of asking. */
  readonly explicit?: string;
  /** Known before starting that the work cannot run without one (an encrypted backup to read). */
  readonly required: boolean;
  /**
   * False when nobody can be asked (the CLI without a terminal or --password-stdin): the work then
   * runs with what is remembered or handed in, and its own password error is the answer.
   */
  readonly canAsk?: boolean;
  /** Tries a password quickly (the backup's key bag, §6.2–6.3) so a wrong one is said in the prompt, not after the work. */
  readonly check?: (password: string) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Told when the work starts and stops waiting for a person (a job shows `waitingFor: 'password'`). */
  readonly onWaiting?: (waiting: boolean) => void;
}

interface PendingRequest {
  readonly view: PasswordRequestView;
  answer(password: string, remember: boolean): void;
  cancel(): void;
}

interface Answer {
  readonly requestId: string;
  readonly password: string;
  readonly remember: boolean;
}

const PASSWORD_CODES = new Set(['password-required', 'wrong-password']);

/**
 * The one place that obtains a backup password: a remembered one first, else it asks the person
 * (event password:needed), waits for passwords:provide, tries the password, and asks again when it
 * is wrong. Passwords live only here, in the vault, and in the call that needs them: never in an
 * event, a log line or a job's progress.
 */
export class PasswordBroker {
  private readonly pending = new Map<string, PendingRequest>();
  /** Remembered for this run only (web mode, or no keychain). */
  private readonly session = new Map<string, string>();

  constructor(
    private readonly hub: EventHub,
    private readonly vault?: RememberedPasswords,
  ) {}

  rememberIn(): 'keychain' | 'session' {
    return this.vault?.isAvailable() ? 'keychain' : 'session';
  }

  list(): PasswordRequestView[] {
    return [...this.pending.values()].map((request) => request.view);
  }

  /** Answers a waiting request; false when it is no longer waiting (answered elsewhere or cancelled). */
  provide(requestId: string, password: string, remember: boolean): boolean {
    const request = this.pending.get(requestId);
    if (!request) return false;
    request.answer(password, remember);
    return true;
  }

  cancel(requestId: string): boolean {
    const request = this.pending.get(requestId);
    if (!request) return false;
    request.cancel();
    return true;
  }

  /** Cancels every waiting request (the app is quitting). */
  cancelAll(): void {
    for (const request of [...this.pending.values()]) request.cancel();
  }

  async remembered(udid: string): Promise<string | undefined> {
    const inMemory = this.session.get(udid);
    if (inMemory !== undefined) return inMemory;
    if (!this.vault?.isAvailable()) return undefined;
    return this.vault.get(udid).catch(() => undefined);
  }

  async remember(udid: string, password: string): Promise<RememberedPasswordView> {
    if (this.vault?.isAvailable()) {
      await this.vault.set(udid, password);
      this.session.delete(udid);
    } else {
      this.session.set(udid, password);
    }
    return { udid, remembered: true, rememberIn: this.rememberIn() };
  }

  async forget(udid: string): Promise<RememberedPasswordView> {
    this.session.delete(udid);
    if (this.vault?.isAvailable()) await this.vault.delete(udid).catch(() => undefined);
    return { udid, remembered: false, rememberIn: this.rememberIn() };
  }

  async status(udid: string): Promise<RememberedPasswordView> {
    return { udid, remembered: (await this.remembered(udid)) !== undefined, rememberIn: this.rememberIn() };
  }

  /**
   * Runs `work` with the phone's backup password, obtaining it as described above. Resolves with
   * the work's result; rejects with the work's own error, or `cancelled` when the person cancels.
   */
  async withPassword<T>(need: PasswordNeed, work: (password: string | undefined) => Promise<T>, options: WithPasswordOptions): Promise<T> {
    if (options.explicit !== undefined) return work(options.explicit);
    let password = await this.remembered(need.udid);
    let typed = false;
    let remember = false;
    const canAsk = options.canAsk !== false;
    let mustAsk = canAsk && options.required && password === undefined;
    let problem: PasswordRequestView['problem'];
    // The prompt's id, kept across wrong tries so the same dialog says "not right" and stays open.
    let requestId: string | undefined;
    // Whether that prompt is open and ours to close (ask() closes it itself when cancelled).
    let promptOpen = false;
    try {
      for (;;) {
        if (mustAsk) {
          promptOpen = false;
          const answer = await this.ask(need, requestId, problem, options);
          ({ requestId, password, remember } = answer);
          promptOpen = true;
          typed = true;
        }
        try {
          if (password !== undefined && options.check) {
            await options.check(password);
            if (typed && remember) await this.rememberQuietly(need.udid, password);
          }
          if (promptOpen && requestId !== undefined) this.settle(requestId, 'accepted');
          promptOpen = false;
          requestId = undefined;
          const result = await work(password);
          if (typed && remember && password !== undefined && !options.check) await this.rememberQuietly(need.udid, password);
          return result;
        } catch (error) {
          const code = toAppError(error).code;
          if (!PASSWORD_CODES.has(code) || !canAsk) throw error;
          if (code === 'wrong-password' && password !== undefined && (await this.remembered(need.udid)) === password) await this.forget(need.udid);
          problem = password === undefined ? undefined : typed ? 'wrong' : 'remembered-wrong';
          password = undefined;
          mustAsk = true;
        }
      }
    } finally {
      // Leaving with the prompt still open (the work failed for another reason): close it.
      if (promptOpen && requestId !== undefined) this.settle(requestId, 'cancelled');
    }
  }

  private async rememberQuietly(udid: string, password: string): Promise<void> {
    // A keychain that refuses only means the person types it again next time; the work goes on.
    await this.remember(udid, password).catch(() => undefined);
  }

  private ask(need: PasswordNeed, requestId: string | undefined, problem: PasswordRequestView['problem'], options: WithPasswordOptions): Promise<Answer> {
    const id = requestId ?? randomUUID();
    const view: PasswordRequestView = {
      requestId: id,
      udid: need.udid,
      reason: need.reason,
      automatic: need.automatic ?? false,
      rememberIn: this.rememberIn(),
      ...(need.deviceName ? { deviceName: need.deviceName } : {}),
      ...(need.backupId ? { backupId: need.backupId } : {}),
      ...(need.jobId ? { jobId: need.jobId } : {}),
      ...(problem ? { problem } : {}),
    };
    const { signal } = options;
    options.onWaiting?.(true);
    return new Promise<Answer>((resolve, reject) => {
      const finish = (): void => {
        this.pending.delete(id);
        signal?.removeEventListener('abort', cancel);
        options.onWaiting?.(false);
      };
      const cancel = (): void => {
        finish();
        this.settle(id, 'cancelled');
        reject(new AppErrorException(appError('cancelled', 'Cancelled: the backup password was not entered.', need.udid)));
      };
      if (signal?.aborted) return cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      this.pending.set(id, {
        view,
        answer: (password, remember) => {
          finish();
          resolve({ requestId: id, password, remember });
        },
        cancel,
      });
      this.hub.emit('password:needed', view);
    });
  }

  private settle(requestId: string, outcome: 'accepted' | 'cancelled'): void {
    this.hub.emit('password:settled', { requestId, outcome });
  }
}
