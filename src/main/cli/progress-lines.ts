import type { ProgressRenderer, ProgressView } from './progress-view';
import { describeProgress, percentText } from './progress-format';

/** A new line each time the job is this many percent further. */
const PERCENT_STEP = 5;
/** …or, for a job that crawls, at least this often, so a log shows it is alive. */
const HEARTBEAT_MS = 30_000;

/**
 * Progress for logs and pipes (stderr): no \r, no escape codes, a line per few percent, per phase
 * change and at the end, so a 100 000-file backup gives about 20 lines, not 100 000.
 */
export class PlainProgressLines implements ProgressRenderer {
  private lastPercent = Number.NEGATIVE_INFINITY;
  private lastLine = Number.NEGATIVE_INFINITY;
  private lastPhase: string | undefined;
  private lastWaiting: string | undefined;
  private finished = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number,
  ) {}

  update(view: ProgressView): void {
    if (this.finished) return;
    const time = this.now();
    const phaseChanged = view.phase !== this.lastPhase || view.waiting !== this.lastWaiting;
    this.lastPhase = view.phase;
    this.lastWaiting = view.waiting;
    const step = Math.floor(view.percent / PERCENT_STEP) > Math.floor(this.lastPercent / PERCENT_STEP);
    const done = view.percent >= 100;
    if (!phaseChanged && !step && !done && time - this.lastLine < HEARTBEAT_MS) return;
    if (done) this.finished = true;
    this.lastPercent = view.percent;
    this.lastLine = time;
    if (view.waiting !== undefined) {
      this.write(`${view.waiting}…\n`);
      return;
    }
    const label = view.current ? `  ${view.current}` : '';
    // `waiting-for-device` is a machine word (kept so in --json); a log line reads "waiting for device".
    const phase = view.phase ? `${view.phase.replace(/-/g, ' ')}: ` : '';
    this.write(`${percentText(view.percent).trim()} ${phase}${describeProgress(view)}${label}\n`);
  }

  end(): void {
    this.finished = true;
  }
}
