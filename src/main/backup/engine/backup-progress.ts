/** What a running backup reports, often (throttled by the caller if it wants). */
export interface BackupProgress {
  /** `waiting-for-passcode`: the phone shows its passcode prompt (iOS 15.7.1+/16.1+, §3.10); tell the person to enter it. */
  readonly phase: 'preparing' | 'waiting-for-device' | 'waiting-for-passcode' | 'transferring' | 'finishing' | 'done';
  /** Overall percent 0–100 from the device's progress reals (§3.8), never going backwards. */
  readonly percent: number;
  /** Bytes received from the device so far (uploads, including discarded Camera Roll files). */
  readonly bytesDone: number;
  /** Best estimate of the bytes this run will transfer (size hints, or the phone's used space); undefined when unknown. */
  readonly bytesExpected: number | undefined;
  readonly filesDone: number;
  /** Files announced so far; grows as the device announces batches. */
  readonly filesExpected: number | undefined;
  /** The domain of the file being received (`HomeDomain`, `CameraRollDomain`, …), when the device names it. */
  readonly domain: string | undefined;
  /** Average over the last few seconds. */
  readonly bytesPerSecond: number;
  /** Seconds left, from percent and elapsed time; undefined until there is something to go on. */
  readonly etaSeconds: number | undefined;
}

const SPEED_WINDOW_MS = 5000;
/** Per-file reports are limited to about ten a second: a snapshot per file costs more than the file on fast disks. */
const THROTTLE_MS = 100;

/** Collects the counters of one run and turns them into BackupProgress events. */
export class ProgressTracker {
  private percent = 0;
  private bytesDone = 0;
  private filesDone = 0;
  private filesAnnounced = 0;
  private bytesHinted = 0;
  private domain: string | undefined;
  private phase: BackupProgress['phase'] = 'preparing';
  private readonly started: number;
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private lastReportedDomain: string | undefined;

  constructor(
    private readonly emit: ((progress: BackupProgress) => void) | undefined,
    private readonly estimatedBytes: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  setPhase(phase: BackupProgress['phase']): void {
    this.phase = phase;
    this.report();
  }

  /** A DL progress real (0–100, "after this step", may jump or repeat, §3.8). */
  devicePercent(value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value)) return;
    this.percent = Math.max(this.percent, Math.min(100, Math.max(0, value)));
  }

  uploadAnnounced(sizeHint: number | undefined): void {
    if (sizeHint) this.bytesHinted += sizeHint;
    this.phase = 'transferring';
  }

  fileStarted(deviceName: string): void {
    this.filesAnnounced += 1;
    this.domain = domainOfDeviceName(deviceName) ?? this.domain;
  }

  bytesReceived(count: number): void {
    this.bytesDone += count;
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
    const elapsed = (now - this.started) / 1000;
    const etaSeconds = this.percent > 0 && this.percent < 100 ? (elapsed * (100 - this.percent)) / this.percent : this.percent >= 100 ? 0 : undefined;
    const expected = Math.max(this.bytesHinted, this.estimatedBytes ?? 0, this.bytesDone);
    return {
      phase: this.phase,
      percent: this.percent,
      bytesDone: this.bytesDone,
      bytesExpected: expected > 0 ? expected : undefined,
      filesDone: this.filesDone,
      filesExpected: this.filesAnnounced > 0 ? this.filesAnnounced : undefined,
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
