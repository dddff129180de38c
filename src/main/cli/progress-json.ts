import type { ProgressRenderer, ProgressView } from './progress-view';

/** Scripts want a live feed, but not one JSON line per file of a 100 000-file backup. */
const MIN_INTERVAL_MS = 250;

/**
 * NDJSON on stdout for `--json`: `{"type":"progress",…}` lines (throttled; phase changes and
 * 100 % always), then the command writes one `{"type":"result",…}` or `{"type":"error",…}` line.
 */
export class JsonProgress implements ProgressRenderer {
  private lastEmit = Number.NEGATIVE_INFINITY;
  private lastPhase: string | undefined;
  private lastWaiting: string | undefined;
  private lastPercent = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number,
  ) {}

  update(view: ProgressView, details?: object): void {
    const time = this.now();
    const phaseChanged = view.phase !== this.lastPhase || view.waiting !== this.lastWaiting;
    this.lastWaiting = view.waiting;
    this.lastPhase = view.phase;
    // Reaching 100 % is sent at once; later events at 100 % are throttled like the rest.
    const reachedEnd = view.percent >= 100 && this.lastPercent < 100;
    this.lastPercent = view.percent;
    if (!phaseChanged && !reachedEnd && time - this.lastEmit < MIN_INTERVAL_MS) return;
    this.lastEmit = time;
    this.write(`${JSON.stringify({ type: 'progress', ...view, ...details })}\n`);
  }

  end(): void {}
}

/** The closing NDJSON line of a `--json` run. */
export function jsonLine(type: 'result' | 'error', body: object): string {
  return `${JSON.stringify({ type, ...body })}\n`;
}
