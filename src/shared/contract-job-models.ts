/**
 * The contract's models of a job (a backup, restore, photo import or verify) as it runs and when it
 * ends: what job:progress and job:finished carry. Plain JSON, like every contract model
 * (contract-models.ts says why).
 */
import type { AppError } from './app-error';

export type JobKind = 'backup' | 'restore' | 'photos-import' | 'verify';

/**
 * `restarting`: a restore is done and the phone is making its planned restart (it leaves usbmuxd
 * and comes back, protocol.md §7.3 step 5); the job ends when it is back. Not an unplug.
 */
export type JobPhase = 'queued' | 'preparing' | 'transferring' | 'finishing' | 'cancelling' | 'restarting';

/** What started a job nobody clicked for: the phone arriving ("back up when connected") or its schedule. Absent: by hand. */
export type JobTrigger = 'connect' | 'schedule';

export interface JobProgress {
  readonly jobId: string;
  readonly udid: string;
  readonly kind: JobKind;
  readonly phase: JobPhase;
  /** 0–100 from what is really known (the phone's own progress, bytes of the step), never decreasing; absent when nothing is known. */
  readonly percent?: number;
  readonly filesDone: number;
  /** Only when really known (a photo import lists its files first); a backup or restore never has one. */
  readonly filesTotal?: number;
  readonly bytesDone: number;
  /** Only when really known; never the phone's used space. */
  readonly bytesTotal?: number;
  readonly bytesPerSecond?: number;
  /** Rounded seconds left, only once the rate is steady (≥ 10 s and ≥ 5 %). */
  readonly etaSeconds?: number;
  /** ISO-8601. */
  readonly startedAt: string;
  /** A short status line ("Copying photos…"). */
  readonly message?: string;
  /**
   * The job waits for the person, not for the computer: `unlock` until the iPhone is unlocked,
   * `passcode` while the iPhone shows its passcode prompt before a backup (iOS 16.1+, protocol.md §3.10),
   * `password` until someone enters the backup password in the password prompt (password:needed).
   */
  readonly waitingFor?: 'unlock' | 'passcode' | 'password';
  readonly trigger?: JobTrigger;
}

type JobOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface JobFinished {
  readonly jobId: string;
  readonly udid: string;
  readonly kind: JobKind;
  readonly outcome: JobOutcome;
  readonly error?: AppError;
  /** The backup a backup job made. */
  readonly backupId?: string;
  readonly filesDone?: number;
  readonly bytesDone?: number;
  readonly durationSeconds?: number;
  readonly trigger?: JobTrigger;
  /** A photo import that finished with files it could not copy: those files, for the person to see (the first 200: core/photo-import-job.ts). */
  readonly photosNotCopied?: PhotosNotCopied;
}

/** A file of the Camera Roll a photo import could not copy, and why, in one sentence. */
export interface PhotoNotCopied {
  /** The file's name on the phone ("IMG_0042.HEIC"). */
  readonly name: string;
  readonly reason: string;
}

export interface PhotosNotCopied {
  /** How many files were not copied; `files` may list fewer. */
  readonly count: number;
  readonly files: readonly PhotoNotCopied[];
}

export interface JobStarted {
  readonly jobId: string;
}

export interface PhotoImportResult {
  readonly jobId: string;
}
