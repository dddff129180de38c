import { ProgressEstimator } from '../../backup/engine/progress-estimator';
import type { PhotoImportPhase, PhotoImportProgress } from './photo-import-types';

/** How far back the speed looks: long enough to smooth per-file pauses, short enough to follow the cable. */
const SPEED_WINDOW_MS = 5_000;

/** Counts what an import has done and turns it into progress events with speed and ETA. */
export class ImportProgress {
  phase: PhotoImportPhase = 'scanning';
  filesFound = 0;
  filesTotal = 0;
  bytesTotal = 0;
  filesDone = 0;
  bytesDone = 0;
  imported = 0;
  skipped = 0;
  renamedMatches = 0;
  failedCount = 0;
  currentFile: string | undefined;
  currentFileBytes: number | undefined;
  currentFileBytesDone: number | undefined;
  private readonly samples: { at: number; bytes: number }[] = [];
  /** Time left by the same rules as a backup's (steady rate first, rounded). */
  private readonly estimator: ProgressEstimator;

  constructor(
    private readonly listener: ((progress: PhotoImportProgress) => void) | undefined,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.estimator = new ProgressEstimator(now);
  }

  startFile(devicePath: string, size: number): void {
    this.currentFile = devicePath;
    this.currentFileBytes = size;
    this.currentFileBytesDone = 0;
    this.emit();
  }

  addBytes(count: number): void {
    this.bytesDone += count;
    this.currentFileBytesDone = (this.currentFileBytesDone ?? 0) + count;
    this.emit();
  }

  /** A file is over: when fewer (a failure) or more (it grew) bytes came than announced, the total follows. */
  finishFile(expectedBytes: number, transferredBytes: number): void {
    this.filesDone += 1;
    this.currentFile = undefined;
    this.currentFileBytes = undefined;
    this.currentFileBytesDone = undefined;
    this.bytesTotal = Math.max(this.bytesDone, this.bytesTotal + transferredBytes - expectedBytes);
  }

  emit(): void {
    if (!this.listener) return;
    const at = this.now();
    this.samples.push({ at, bytes: this.bytesDone });
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= SPEED_WINDOW_MS) this.samples.shift();
    const first = this.samples[0] as { at: number; bytes: number };
    const elapsed = (at - first.at) / 1000;
    const bytesPerSecond = elapsed >= 0.25 && this.bytesDone > first.bytes ? (this.bytesDone - first.bytes) / elapsed : undefined;
    if (this.bytesTotal > 0) this.estimator.reach((100 * this.bytesDone) / this.bytesTotal);
    const event: PhotoImportProgress = {
      phase: this.phase,
      filesFound: this.filesFound,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      currentFile: this.currentFile,
      currentFileBytes: this.currentFileBytes,
      currentFileBytesDone: this.currentFileBytesDone,
      bytesPerSecond,
      etaSeconds: this.phase === 'finished' ? undefined : this.estimator.estimate().etaSeconds,
      imported: this.imported,
      skipped: this.skipped,
      renamedMatches: this.renamedMatches,
      failedCount: this.failedCount,
    };
    try {
      this.listener(event);
    } catch {
      // A failing progress display must not cost the person their import.
    }
  }
}
