/**
 * Restore progress for a person: phase, percent, files, bytes and an estimate of the time left.
 * The phone's own percentage (the real in DownloadFiles, protocol.md §3.8) is used when it is
 * ahead of what the bytes sent say, because the phone also spends time on files it already has.
 */
export type RestorePhase = 'checking' | 'preparing' | 'restoring' | 'rebooting' | 'done';

export interface RestoreProgress {
  readonly phase: RestorePhase;
  readonly percent: number;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Seconds left, once enough has been sent to tell. */
  readonly etaSeconds: number | undefined;
  readonly currentFile: string | undefined;
}

/** Do not guess an ETA from the first instant of a transfer. */
const MIN_ETA_SAMPLE_MS = 1000;

export class RestoreProgressTracker {
  private phase: RestorePhase = 'checking';
  private filesDone = 0;
  private filesTotal = 0;
  private bytesDone = 0;
  private bytesTotal = 0;
  private phonePercent = 0;
  private currentFile: string | undefined;
  private transferStarted: number | undefined;

  constructor(private readonly listener: ((progress: RestoreProgress) => void) | undefined) {}

  setTotals(files: number, bytes: number): void {
    this.filesTotal = files;
    this.bytesTotal = bytes;
  }

  setPhase(phase: RestorePhase): void {
    this.phase = phase;
    if (phase === 'restoring') this.transferStarted = Date.now();
    this.report();
  }

  fileDone(devicePath: string): void {
    this.filesDone += 1;
    this.currentFile = devicePath;
    this.report();
  }

  bytes(count: number): void {
    this.bytesDone += count;
  }

  devicePercent(percent: number | undefined): void {
    if (percent !== undefined && Number.isFinite(percent)) this.phonePercent = Math.max(this.phonePercent, Math.min(100, percent));
  }

  snapshot(): RestoreProgress {
    const byBytes = this.bytesTotal > 0 ? (100 * this.bytesDone) / this.bytesTotal : 0;
    const running = this.phase === 'restoring' || this.phase === 'preparing' || this.phase === 'checking';
    const percent = this.phase === 'done' ? 100 : this.phase === 'rebooting' ? 99 : Math.min(99, Math.max(byBytes, this.phonePercent));
    let etaSeconds: number | undefined;
    const elapsed = this.transferStarted === undefined ? 0 : Date.now() - this.transferStarted;
    if (running && elapsed >= MIN_ETA_SAMPLE_MS && this.bytesDone > 0 && this.bytesTotal > this.bytesDone) {
      etaSeconds = Math.round(((this.bytesTotal - this.bytesDone) * elapsed) / this.bytesDone / 1000);
    }
    return {
      phase: this.phase,
      percent: Math.round(percent * 10) / 10,
      filesDone: this.filesDone,
      filesTotal: Math.max(this.filesTotal, this.filesDone),
      bytesDone: this.bytesDone,
      bytesTotal: Math.max(this.bytesTotal, this.bytesDone),
      etaSeconds,
      currentFile: this.currentFile,
    };
  }

  private report(): void {
    this.listener?.(this.snapshot());
  }
}
