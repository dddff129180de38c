import { ProgressEstimator } from './progress-estimator';

/**
 * What a running backup reports, often (throttled by the caller if it wants). No totals: the
 * phone never says how many files or bytes a backup will hold (its used space is not the backup's
 * size, and an incremental backup sends only what changed), so only what arrived is counted and
 * the percent is the phone's own (progress-estimator.ts).
 */
export interface BackupProgress {
  /** `waiting-for-passcode`: the phone shows its passcode prompt (iOS 15.7.1+/16.1+, §3.10); tell the person to enter it. */
  readonly phase: 'preparing' | 'waiting-for-device' | 'waiting-for-passcode' | 'transferring' | 'finishing' | 'done';
  /** Overall percent 0–100 from the device's progress reals (§3.8), never going backwards. */
  readonly percent: number;
  /** Bytes received from the device so far (uploads, including discarded Camera Roll files). */
  readonly bytesDone: number;
  readonly filesDone: number;
  /** The domain of the file being received (`HomeDomain`, `CameraRollDomain`, …), when the device names it. */
  readonly domain: string | undefined;
  /** Average over the last few seconds. */
  readonly bytesPerSecond: number;
  /** Rounded seconds left once the rate is steady (progress-estimator.ts); undefined before. */
  readonly etaSeconds: number | undefined;
}

const SPEED_WINDOW_MS = 5000;
/** Per-file reports are limited to about ten a second: a snapshot per file costs more than the file on fast disks. */
const THROTTLE_MS = 100;

/** Collects the counters of one run and turns them into BackupProgress events. */
export class ProgressTracker {
  private readonly estimator: ProgressEstimator;
  private bytesDone = 0;
  private filesDone = 0;
  private domain: string | undefined;
  private phase: BackupProgress['phase'] = 'preparing';
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private lastReportedDomain: string | undefined;

  constructor(
    private readonly emit: ((progress: BackupProgress) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.estimator = new ProgressEstimator(now);
  }

  setPhase(phase: BackupProgress['phase']): void {
    this.phase = phase;
    this.report();
  }

  /**
   * A DL request with its progress real (0–100, "after this step", §3.5): reached when the
   * request is done (stepFinished). An upload's size hint (§3.5 index 3) lets it move meanwhile.
   */
  stepAnnounced(percentAfter: number | undefined, sizeHint?: number): void {
    this.estimator.stepAnnounced(percentAfter, sizeHint);
  }

  stepFinished(): void {
    this.estimator.finishStep();
  }

  /** The whole backup is done. */
  finished(): void {
    this.estimator.reach(100);
  }

  uploadAnnounced(): void {
    this.phase = 'transferring';
  }

  fileStarted(deviceName: string): void {
    this.domain = domainOfDeviceName(deviceName) ?? this.domain;
  }

  bytesReceived(count: number): void {
    this.bytesDone += count;
    this.estimator.stepBytes(count);
  }

  fileFinished(): void {
    this.filesDone += 1;
  }

  snapshot(): BackupProgress {
    const now = this.now();
    this.samples.push({ at: now, bytes: this.bytesDone });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS) this.samples.shift();
    const first = this.samples[0] ?? { at: now, bytes: this.bytesDone };
    const span = (now - first.at) / 1000;
    const bytesPerSecond = span > 0 ? (this.bytesDone - first.bytes) / span : 0;
    const { percent, etaSeconds } = this.estimator.estimate();
    return {
      phase: this.phase,
      percent,
      bytesDone: this.bytesDone,
      filesDone: this.filesDone,
      domain: this.domain,
      bytesPerSecond,
      etaSeconds,
    };
  }

  report(): void {
    if (!this.emit) return;
    this.lastReportAt = this.now();
    this.lastReportedDomain = this.domain;
    this.emit(this.snapshot());
  }

  /**
   * report(), unless one went out less than THROTTLE_MS ago (for per-file events). A new domain
   * is always reported: "backing up Camera Roll" must show even if its files go by in a blink.
   */
  reportThrottled(): void {
    if (!this.emit) return;
    if (this.domain === this.lastReportedDomain && this.now() - this.lastReportAt < THROTTLE_MS) return;
    this.report();
  }

  get totals(): { bytes: number; files: number } {
    return { bytes: this.bytesDone, files: this.filesDone };
  }
}

/**
 * The domain in a device-side upload name such as `HomeDomain-Library/SMS/sms.db` (§3.6.2). Names
 * are opaque (`/.b/6/…` on some versions), so anything else gives undefined.
 */
export function domainOfDeviceName(deviceName: string): string | undefined {
  // Container domains carry an identifier (`AppDomain-com.example.app-Documents/a.txt`); the rest are one word.
  const match = /^((?:AppDomain|AppDomainGroup|AppDomainPlugin|SysContainerDomain|SysSharedContainerDomain)-[^/]+?|[A-Za-z]+Domain)-/.exec(deviceName);
  return match?.[1];
}
