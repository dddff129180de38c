import path from 'node:path';
import { BackupError } from '../backup/backup-error';
import type { BackupRunOptions } from './backends';
import type { JobContext } from './job-queue';
import type { PasswordBroker, PasswordNeed } from './password-broker';
import type { UnlockWatcher } from './unlock-watcher';

/** What the backup runs with: the engine's options without the parts the job itself supplies. */
export type BackupJobRequest = Omit<BackupRunOptions, 'signal' | 'onProgress' | 'password'> & {
  /** A password the caller was handed (the CLI's --password-stdin, backup:start's argument): used as it is. */
  readonly password?: string;
  /** Nobody clicked anything (auto-backup on connect): the password prompt says so. */
  readonly automatic?: boolean;
};

interface PasswordRunOptions {
  readonly explicit: string | undefined;
  readonly required: boolean;
  /** The backup folder whose key bag a password is tried on before the work (backends.checkPassword). */
  readonly folder: string;
  /** The job that waits (its `waitingFor` shows the prompt); the CLI has no job id. */
  readonly context?: Pick<JobContext, 'signal' | 'report'> & { readonly jobId?: string };
  /** Without a job: a read's signal (reads:cancel), which stops the wait for a password and its check. */
  readonly signal?: AbortSignal | undefined;
}

/** Runs work that needs a phone's backup password: remembered, handed in, or asked for through the broker. */
export type PasswordRunner = <T>(need: PasswordNeed, work: (password: string | undefined) => Promise<T>, options: PasswordRunOptions) => Promise<T>;

/**
 * The broker with what every caller adds: the phone's name for the prompt, the quick key-bag check
 * (so a wrong password is said in the same prompt), and the job's `waitingFor: 'password'`.
 * `canAsk: false` is an adapter with nobody to ask (the CLI without a terminal): the work's own
 * password error then ends it (exit 9) instead of a prompt nobody sees.
 */
export function passwordRunner(
  broker: Pick<PasswordBroker, 'withPassword'>,
  options: { readonly checkPassword?: (folder: string, password: string, signal?: AbortSignal) => Promise<void>; readonly deviceName?: (udid: string) => string | undefined; readonly canAsk?: boolean },
): PasswordRunner {
  return (need, work, run) => {
    const name = options.deviceName?.(need.udid);
    const { context } = run;
    const { checkPassword } = options;
    const signal = context?.signal ?? run.signal;
    return broker.withPassword({ ...need, ...(name ? { deviceName: name } : {}), ...(context?.jobId ? { jobId: context.jobId } : {}) }, work, {
      required: run.required,
      ...(options.canAsk === false ? { canAsk: false } : {}),
      ...(run.explicit === undefined ? {} : { explicit: run.explicit }),
      ...(checkPassword ? { check: (password: string) => checkPassword(run.folder, password, signal) } : {}),
      ...(signal ? { signal } : {}),
      ...(context ? { onWaiting: (waiting: boolean) => context.report({ waitingFor: waiting ? 'password' : undefined }) } : {}),
    });
  };
}

export interface BackupJobDeps<Result> {
  /**
   * The engine. The app's job queue passes Backends.backup.runBackup; the CLI passes the engine's
   * own runBackup, whose result and progress phases its summary and `--json` print.
   */
  readonly runEngine: (options: BackupRunOptions) => Promise<Result>;
  readonly withPassword: PasswordRunner;
  /** Waits for a locked phone to be unlocked; without it a locked phone fails (`device-locked`, the CLI's exit 4). */
  readonly unlock?: Pick<UnlockWatcher, 'isLocked' | 'lockedNow' | 'waitForUnlock'>;
}

/**
 * One backup, as every adapter runs it (Electron and the web bridge through BackupService's job, the
 * CLI directly): wait for a locked phone when someone will unlock it, obtain the backup password only
 * when the engine needs it (an encrypted phone with the Camera Roll left out rewrites Manifest.db,
 * §6.4), and go on after an unlock when the phone refused because its screen locked (208, §7.2).
 */
export async function runBackupJob<Result>(deps: BackupJobDeps<Result>, request: BackupJobRequest, context: Pick<JobContext, 'signal' | 'report'> & { readonly jobId?: string }): Promise<Result> {
  const { signal, report } = context;
  const { unlock } = deps;
  const { password, automatic, ...engineOptions } = request;
  const waitForUnlock = async (): Promise<void> => {
    report({ waitingFor: 'unlock' });
    await unlock?.waitForUnlock(request.udid, signal);
    report({ waitingFor: undefined });
  };
  if (unlock?.isLocked(request.udid)) await waitForUnlock();
  const run = (withPassword: string | undefined): Promise<Result> =>
    deps.runEngine({ ...engineOptions, signal, onProgress: report, ...(withPassword ? { password: withPassword } : {}) });
  // With the Camera Roll in, the engine never needs the password: do not even look it up.
  const attempt = (): Promise<Result> =>
    request.cameraRoll
      ? run(password)
      : deps.withPassword({ udid: request.udid, reason: 'backup', ...(automatic ? { automatic } : {}) }, run, {
          explicit: password,
          required: false,
          folder: path.join(request.backupRoot, request.udid),
          context,
        });
  try {
    return await attempt();
  } catch (error) {
    // The screen locked itself since Lifeboat last looked (no event says so) and the phone refused
    // the backup (208, §7.2). Still locked when read again: wait for the unlock as for a phone
    // known to be locked, then go on, instead of failing. A declined passcode leaves it unlocked.
    if (!unlock || !isDeviceLocked(error) || signal.aborted || !(await unlock.lockedNow(request.udid))) throw error;
    await waitForUnlock();
    return attempt();
  }
}

/** The phone refused because its screen is locked (BackupError device-locked: 208 or PasswordProtected). */
function isDeviceLocked(error: unknown): boolean {
  return error instanceof BackupError && error.code === 'device-locked';
}
