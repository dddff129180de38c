/**
 * Honest progress for a person, from what is really known (issue 12): the phone's own percentage
 * and the bytes of the step it is on. Pure (an injected clock), shared by backup and restore, so
 * the app and the CLI say the same thing.
 *
 * The phone's progress real (protocol.md §3.5, §3.8) is "the percentage after this step": it is
 * sent when a step (an upload or download batch, a move, a remove) is announced, and reached only
 * when that step is done. So the percent shown is the value of the last step finished, moved
 * towards the announced one in proportion to the step's bytes when their number is known, and
 * never backwards (the phone's values are not monotonic across retries).
 *
 * Time left appears only once the rate is steady: STEADY_AFTER_MS after the percent first moved
 * (the phone's preparation says nothing of its pace) and past STEADY_AFTER_PERCENT, from the rate
 * over the last RATE_WINDOW_MS, rounded to what a person can use. Beyond MAX_PLAUSIBLE_SECONDS it
 * says nothing rather than "900 h".
 */

interface ProgressEstimate {
  /** 0–100, never lower than an earlier estimate. */
  readonly percent: number;
  /** Rounded seconds left; undefined until the rate is steady (or when it is not plausible). */
  readonly etaSeconds: number | undefined;
}

/** No time left before this much work… */
const STEADY_AFTER_MS = 10_000;
/** …and this much of the job (percent) are done. */
const STEADY_AFTER_PERCENT = 5;
/** The rate is measured over this recent stretch, so a change of pace shows within a minute. */
const RATE_WINDOW_MS = 60_000;
/** A day and more is a stalled job, not an estimate. */
const MAX_PLAUSIBLE_SECONDS = 24 * 3600;

interface Step {
  readonly from: number;
  readonly to: number;
  readonly bytes: number | undefined;
  done: number;
}

export class ProgressEstimator {
  private reached = 0;
  private shown = 0;
  private step: Step | undefined;
  private startedAt: number | undefined;
  private readonly samples: Array<{ readonly at: number; readonly percent: number }> = [];

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The phone announced a step that ends at `percentAfter`; `bytes` is how many bytes the step
   * moves, when known (a size hint or the files' sizes), so the percent can move while it runs.
   */
  stepAnnounced(percentAfter: number | undefined, bytes?: number): void {
    this.finishStep();
    if (percentAfter === undefined || !Number.isFinite(percentAfter)) return;
    const to = clampPercent(percentAfter);
    if (to <= this.reached) return;
    this.step = { from: this.reached, to, bytes: bytes !== undefined && bytes > 0 ? bytes : undefined, done: 0 };
  }

  /** Bytes of the current step moved. */
  stepBytes(count: number): void {
    if (this.step) this.step.done += count;
  }

  /** The current step is done: its percent is reached. */
  finishStep(): void {
    if (!this.step) return;
    this.reached = Math.max(this.reached, this.step.to);
    this.step = undefined;
  }

  /** A percentage known to be reached now (the end of the job: 100). */
  reach(percent: number): void {
    this.finishStep();
    this.reached = Math.max(this.reached, clampPercent(percent));
  }

  estimate(): ProgressEstimate {
    const now = this.now();
    this.shown = Math.max(this.shown, this.current());
    if (this.shown === 0) return { percent: 0, etaSeconds: undefined };
    // The clock starts when the percent first moves.
    this.startedAt ??= now;
    this.samples.push({ at: now, percent: this.shown });
    while (this.samples.length > 2 && (this.samples[1]?.at ?? now) <= now - RATE_WINDOW_MS) this.samples.shift();
    return { percent: this.shown, etaSeconds: this.eta(now) };
  }

  private current(): number {
    const step = this.step;
    if (!step || step.bytes === undefined) return this.reached;
    // Just short of the step's end until the phone's next message says it is over.
    const fraction = Math.min(step.done / step.bytes, 0.99);
    return Math.max(this.reached, step.from + (step.to - step.from) * fraction);
  }

  private eta(now: number): number | undefined {
    if (this.startedAt === undefined || this.shown >= 100) return undefined;
    if (now - this.startedAt < STEADY_AFTER_MS || this.shown < STEADY_AFTER_PERCENT) return undefined;
    const first = this.samples[0];
    if (!first || now <= first.at) return undefined;
    const rate = (this.shown - first.percent) / (now - first.at);
    if (!(rate > 0)) return undefined;
    const seconds = (100 - this.shown) / rate / 1000;
    return seconds > MAX_PLAUSIBLE_SECONDS ? undefined : roundEta(seconds);
  }
}

/** What a person can use: 5-second steps under a minute and a half, minutes under an hour, then 5 minutes. */
export function roundEta(seconds: number): number {
  if (seconds < 90) return Math.max(5, Math.ceil(seconds / 5) * 5);
  if (seconds < 3600) return Math.round(seconds / 60) * 60;
  return Math.round(seconds / 300) * 300;
}

function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}
