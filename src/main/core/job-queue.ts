import { randomUUID } from 'node:crypto';
import type { JobFinished, JobKind, JobPhase, JobProgress, JobTrigger, PhotosNotCopied } from '../../shared/contract';
import { fail, toAppError } from './error-mapping';

/**
 * What a running job reports; the queue adds speed. Percent and time left come from the job's own
 * estimate (the engine's progress-estimator.ts): the queue never guesses them from totals.
 */
export interface ProgressUpdate {
  readonly phase?: JobPhase;
  readonly filesDone?: number;
  readonly filesTotal?: number;
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  /** The job's own percent (the phone's, §3.8, or bytes of a known total); without one the bytes of a known total. */
  readonly percent?: number;
  readonly message?: string;
  /** The engine's own speed, when it keeps one; otherwise the queue works it out. */
  readonly bytesPerSecond?: number;
  /** The engine's time left; absent means "not steady yet" and clears an earlier one. */
  readonly etaSeconds?: number | undefined;
  /** Whom the job waits for; an update that names the key (even as undefined) replaces the last one. */
  readonly waitingFor?: JobProgress['waitingFor'];
}

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  report(update: ProgressUpdate): void;
}

interface JobResult {
  readonly backupId?: string;
  readonly photosNotCopied?: PhotosNotCopied;
}

interface JobQueueEvents {
  progress(progress: JobProgress): void;
  finished(finished: JobFinished): void;
}

interface RunningJob {
  progress: JobProgress;
  readonly controller: AbortController;
  readonly startedMs: number;
  /** Recent (time, bytes) samples for a speed that follows the link rather than the whole run. */
  readonly samples: Array<{ ms: number; bytes: number }>;
  lastEmitMs: number;
}

/** Speed is averaged over this window so one slow file does not swing the ETA. */
const SPEED_WINDOW_MS = 5_000;
/** Progress events at most this often per job: the UI cannot show more, the socket should not carry more. */
const EMIT_INTERVAL_MS = 100;

/**
 * Runs at most one job per phone (a phone serves one mobilebackup2 session at a time, §3) and
 * turns raw counters into the progress the UI shows. Jobs for different phones run side by side.
 */
export class JobQueue {
  private readonly jobs = new Map<string, RunningJob>();

  constructor(
    private readonly events: JobQueueEvents,
    private readonly now: () => number = Date.now,
  ) {}

  list(): JobProgress[] {
    return [...this.jobs.values()].map((job) => job.progress);
  }

  activeJobFor(udid: string): string | undefined {
    return [...this.jobs.values()].find((job) => job.progress.udid === udid)?.progress.jobId;
  }

  /** The phone is making the planned restart of a restore (it may leave usbmuxd and come back). */
  isRestarting(udid: string): boolean {
    return [...this.jobs.values()].some((job) => job.progress.udid === udid && job.progress.phase === 'restarting');
  }

  /** Starts a job unless the phone is busy; resolves with its id as soon as it is running. `trigger`: what started it when nobody clicked. */
  start(udid: string, kind: JobKind, work: (context: JobContext) => Promise<JobResult>, trigger?: JobTrigger): string {
    if (this.activeJobFor(udid)) fail('busy', undefined, udid);
    const jobId = randomUUID();
    const startedMs = this.now();
    const job: RunningJob = {
      progress: { jobId, udid, kind, phase: 'preparing', filesDone: 0, bytesDone: 0, startedAt: new Date(startedMs).toISOString(), ...(trigger ? { trigger } : {}) },
      controller: new AbortController(),
      startedMs,
      samples: [{ ms: startedMs, bytes: 0 }],
      lastEmitMs: 0,
    };
    this.jobs.set(jobId, job);
    const context: JobContext = { jobId, signal: job.controller.signal, report: (update) => this.report(job, update) };
    this.events.progress(job.progress);
    void this.run(job, work, context);
    return jobId;
  }

  /** Asks a job to stop; it finishes with outcome `cancelled` once the work notices. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.controller.signal.aborted) return false;
    job.controller.abort();
    job.progress = { ...job.progress, phase: 'cancelling' };
    this.events.progress(job.progress);
    return true;
  }

  /** Cancels everything and waits for no one: used when the app quits. */
  cancelAll(): void {
    for (const jobId of this.jobs.keys()) this.cancel(jobId);
  }

  private async run(job: RunningJob, work: (context: JobContext) => Promise<JobResult>, context: JobContext): Promise<void> {
    const { jobId, udid, kind, trigger } = job.progress;
    let finished: JobFinished;
    try {
      const result = await work(context);
      finished = { jobId, udid, kind, outcome: 'succeeded', ...(result.backupId ? { backupId: result.backupId } : {}), ...(result.photosNotCopied ? { photosNotCopied: result.photosNotCopied } : {}) };
    } catch (error) {
      const appError = toAppError(error, udid);
      const cancelled = job.controller.signal.aborted || appError.code === 'cancelled';
      finished = cancelled ? { jobId, udid, kind, outcome: 'cancelled' } : { jobId, udid, kind, outcome: 'failed', error: appError };
    }
    this.jobs.delete(jobId);
    this.events.finished({
      ...finished,
      filesDone: job.progress.filesDone,
      bytesDone: job.progress.bytesDone,
      durationSeconds: Math.max(0, (this.now() - job.startedMs) / 1000),
      ...(trigger ? { trigger } : {}),
    });
  }

  private report(job: RunningJob, update: ProgressUpdate): void {
    if (!this.jobs.has(job.progress.jobId)) return;
    const now = this.now();
    const previous = job.progress;
    const bytesDone = update.bytesDone ?? previous.bytesDone;
    const bytesTotal = update.bytesTotal ?? previous.bytesTotal;
    job.samples.push({ ms: now, bytes: bytesDone });
    while (job.samples.length > 2 && now - job.samples[0]!.ms > SPEED_WINDOW_MS) job.samples.shift();
    const oldest = job.samples[0]!;
    const elapsedSeconds = (now - oldest.ms) / 1000;
    const bytesPerSecond = update.bytesPerSecond ?? (elapsedSeconds > 0.2 ? Math.max(0, (bytesDone - oldest.bytes) / elapsedSeconds) : previous.bytesPerSecond);
    const reported = progressPercent(update.percent ?? previous.percent, bytesDone, bytesTotal);
    // Never backwards within a job, whatever a retry reports.
    const percent = reported === undefined ? undefined : Math.max(reported, previous.percent ?? 0);
    const etaSeconds = update.etaSeconds;
    const waitingFor = 'waitingFor' in update ? update.waitingFor : previous.waitingFor;
    const { etaSeconds: _stale, waitingFor: _previousWait, ...rest } = previous;
    job.progress = {
      ...rest,
      ...(waitingFor ? { waitingFor } : {}),
      phase: job.controller.signal.aborted ? 'cancelling' : (update.phase ?? (bytesDone > 0 ? 'transferring' : previous.phase)),
      filesDone: update.filesDone ?? previous.filesDone,
      bytesDone,
      ...defined({ filesTotal: update.filesTotal ?? previous.filesTotal, bytesTotal, percent, bytesPerSecond, etaSeconds, message: update.message ?? previous.message }),
    };
    // Phase changes always go out; counters at most every EMIT_INTERVAL_MS.
    if (job.progress.phase !== previous.phase || job.progress.waitingFor !== previous.waitingFor || now - job.lastEmitMs >= EMIT_INTERVAL_MS) {
      job.lastEmitMs = now;
      this.events.progress(job.progress);
    }
  }
}

function progressPercent(reported: number | undefined, bytesDone: number, bytesTotal: number | undefined): number | undefined {
  // The phone's own percentage (§3.8) wins: byte totals are only estimates.
  const value = reported ?? (bytesTotal ? (bytesDone / bytesTotal) * 100 : undefined);
  return value === undefined ? undefined : Math.min(100, Math.max(0, value));
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
