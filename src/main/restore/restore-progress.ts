import { ProgressEstimator } from '../backup/engine/progress-estimator';

/**
 * Restore progress for a person: phase, percent, files and bytes sent, and time left once the rate
 * is steady. The percent is the phone's own (the real in DownloadFiles, protocol.md §3.5, §3.8),
 * moved through each batch by the bytes of the files it asked for (progress-estimator.ts). No
 * totals: which files the phone asks for is its choice (system files, files it already has), so
 * the backup's own file count would be a guess shown as a fact.
 */
export type RestorePhase = 'checking' | 'preparing' | 'restoring' | 'rebooting' | 'done';

export interface RestoreProgress {
  /** `rebooting`: the restore is done and the phone is making its planned restart (§7.3 step 5). */
  readonly phase: RestorePhase;
  /** 0–100, never going backwards. */
  readonly percent: number;
  /** Content files sent to the phone so far. */
  readonly filesDone: number;
  readonly bytesDone: number;
  /** Rounded seconds left once the rate is steady; undefined before. */
  readonly etaSeconds: number | undefined;
  readonly currentFile: string | undefined;
}

/**
 * Reports while files and bytes flow at most this often; phase changes and the end of each of the
 * phone's requests always. A report per file was 49,000 snapshots, job updates and bar redraws
 * for a many-small restore, and nobody reads a counter faster than this.
 */
const BYTES_REPORT_MS = 100;

export class RestoreProgressTracker {
  private phase: RestorePhase = 'checking';
  private filesDone = 0;
  private bytesDone = 0;
  private currentFile: string | undefined;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private readonly estimator: ProgressEstimator;

  constructor(
    private readonly listener: ((progress: RestoreProgress) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.estimator = new ProgressEstimator(now);
  }

  setPhase(phase: RestorePhase): void {
    this.phase = phase;
    // The phone's data is all there once it restarts: the rest is the restart.
    if (phase === 'rebooting' || phase === 'done') this.estimator.reach(100);
    this.report();
  }

  /** A DL request whose progress real is the percent once it is served; `bytes` when the request moves a known amount. */
  stepAnnounced(percentAfter: number | undefined, bytes?: number): void {
    this.estimator.stepAnnounced(percentAfter, bytes);
  }

  stepFinished(): void {
    this.estimator.finishStep();
    this.report();
  }

  fileDone(devicePath: string): void {
    this.filesDone += 1;
    this.currentFile = devicePath;
    this.reportNowAndThen();
  }

  /** The exact number of files the phone received so far, once a request is served; reported with the step. */
  filesConfirmed(count: number): void {
    this.filesDone = count;
  }

  bytes(count: number): void {
    this.bytesDone += count;
    this.estimator.stepBytes(count);
    // A batch of big files takes a while: let the percent move during it, about ten times a second.
    this.reportNowAndThen();
  }

  snapshot(): RestoreProgress {
    const { percent, etaSeconds } = this.estimator.estimate();
    return {
      phase: this.phase,
      percent: Math.round(percent * 10) / 10,
      filesDone: this.filesDone,
      bytesDone: this.bytesDone,
      etaSeconds: this.phase === 'restoring' ? etaSeconds : undefined,
      currentFile: this.currentFile,
    };
  }

  private reportNowAndThen(): void {
    if (this.now() - this.lastReportAt >= BYTES_REPORT_MS) this.report();
  }

  private report(): void {
    if (!this.listener) return;
    this.lastReportAt = this.now();
    this.listener(this.snapshot());
  }
}
