import type { PasswordRunner } from './backup-job';
import type { JobContext } from './job-queue';

/** What a restore engine is given: the backup, the choices, and the job's signal and progress. */
export interface RestoreEngineOptions {
  /** The phone to restore; undefined lets the engine pick the only one connected (the CLI without --udid). */
  readonly udid: string | undefined;
  readonly backupPath: string;
  readonly password?: string;
  readonly system: boolean;
  readonly settings: boolean;
  readonly reboot: boolean;
  readonly signal: AbortSignal;
}

/** The backup being restored, as the adapter already knows it (the catalog's row, or its Manifest.plist). */
export interface RestoreSourceFacts {
  readonly encrypted: boolean;
  /** The phone that made the backup: its password is the one asked for, which may not be the target's. */
  readonly owner: string;
  /** The catalog's id, for the prompt ("the backup of …"); the CLI may not have one. */
  readonly backupId?: string;
}

export interface RestoreJobRequest {
  readonly udid: string | undefined;
  readonly backupPath: string;
  /** Undefined when the adapter could not read the backup: the engine then says why in its own words. */
  readonly source: RestoreSourceFacts | undefined;
  /** A password the caller was handed (restore:start's argument, the CLI's --password-stdin): used as it is, never asked again. */
  readonly password?: string;
  /** Everything, as iTunes and Finder restore (the keychain, Wi-Fi, saved passwords), unless told otherwise. */
  readonly system?: boolean;
  readonly settings?: boolean;
  readonly reboot?: boolean;
}

export interface RestoreJobDeps<Result> {
  /**
   * The engine. The app's job queue passes Backends.restore.run; the CLI passes src/main/restore's
   * runRestore, whose result and phases its summary and `--json` print.
   */
  readonly runEngine: (options: RestoreEngineOptions & { readonly onProgress: JobContext['report'] }) => Promise<Result>;
  readonly withPassword: PasswordRunner;
}

/**
 * One restore, as every adapter runs it (Electron and the web bridge through BackupService's job,
 * the CLI directly): the same defaults (system files in, the phone's settings kept, the restart
 * followed), and an encrypted backup's password obtained before the phone is touched, through the
 * one password prompt (a window's dialog or the terminal's hidden prompt), checked on the key bag
 * and asked again while it is wrong (§6.2–6.3), unless the caller handed one in.
 */
export async function runRestoreJob<Result>(deps: RestoreJobDeps<Result>, request: RestoreJobRequest, context: Pick<JobContext, 'signal' | 'report'> & { readonly jobId?: string }): Promise<Result> {
  const { source } = request;
  const run = (password: string | undefined): Promise<Result> =>
    deps.runEngine({
      udid: request.udid,
      backupPath: request.backupPath,
      system: request.system ?? true,
      settings: request.settings ?? false,
      reboot: request.reboot ?? true,
      signal: context.signal,
      onProgress: context.report,
      ...(password ? { password } : {}),
    });
  if (!source?.encrypted) return run(request.password);
  return deps.withPassword({ udid: source.owner, reason: 'restore', ...(source.backupId ? { backupId: source.backupId } : {}) }, run, {
    explicit: request.password,
    required: true,
    folder: request.backupPath,
    context,
  });
}
