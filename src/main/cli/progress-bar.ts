import type { ProgressRenderer, ProgressView } from './progress-view';
import { describeProgress, percentText } from './progress-format';

/** Redraws at most this often: a terminal cannot show more, and each draw costs the job. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;
const CLEAR_LINE = '\r\u001b[2K';

/**
 * One line redrawn in place on a terminal (stderr): `[#####-----]  42% 1200/5000 files, 1.2 GB of
 * 3.0 GB, 25 MB/s, about 2 min left  HomeDomain`, cut to the terminal's width.
 */
export class ProgressBar implements ProgressRenderer {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastPhase: string | undefined;
  private lastWaiting: string | undefined;
  private lastPercent = 0;
  private skipped: ProgressView | undefined;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number,
    private readonly columns: () => number | undefined,
  ) {}

  update(view: ProgressView): void {
    const time = this.now();
    const phaseChanged = view.phase !== this.lastPhase || view.waiting !== this.lastWaiting;
    this.lastPhase = view.phase;
    this.lastWaiting = view.waiting;
    // Reaching 100 % is shown at once; later events at 100 % are throttled like the rest.
    const reachedEnd = view.percent >= 100 && this.lastPercent < 100;
    this.lastPercent = view.percent;
    if (!phaseChanged && !reachedEnd && time - this.lastDraw < REDRAW_MS) {
      this.skipped = view;
      return;
    }
    this.draw(view, time);
  }

  end(): void {
    // The last state may have been throttled away: the line left on screen must be the final one.
    if (this.skipped) this.draw(this.skipped, this.now());
    if (this.drawn) this.write('\n');
    this.drawn = false;
  }

  private draw(view: ProgressView, time: number): void {
    this.lastDraw = time;
    this.skipped = undefined;
    this.write(CLEAR_LINE + this.fit(this.line(view)));
    this.drawn = true;
  }

  line(view: ProgressView): string {
    if (view.waiting !== undefined) return `${view.waiting}…`;
    const filled = Math.round((Math.max(0, Math.min(100, view.percent)) / 100) * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    const label = view.current ?? (view.phase && view.phase !== 'transferring' ? view.phase : undefined);
    return `${bar} ${percentText(view.percent)} ${describeProgress(view)}${label ? `  ${label}` : ''}`;
  }

  /** A line longer than the terminal wraps, and \r then redraws only its last part. */
  private fit(line: string): string {
    const width = this.columns();
    if (width === undefined || width < 10 || line.length < width) return line;
    return `${line.slice(0, width - 2)}…`;
  }
}
