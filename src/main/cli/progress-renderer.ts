import { type CliIo, processIo } from './cli-io';
import { ProgressBar } from './progress-bar';
import { JsonProgress } from './progress-json';
import { PlainProgressLines } from './progress-lines';

/**
 * One moment of a long job (backup, restore, extract, import) as every CLI progress renderer
 * understands it; commands map their engine's events onto it.
 */
export interface ProgressView {
  /** 0–100. */
  readonly percent: number;
  readonly filesDone: number;
  readonly filesTotal?: number;
  readonly bytesDone: number;
  readonly bytesTotal?: number;
  readonly bytesPerSecond?: number;
  readonly etaSeconds?: number;
  /** What is being worked on now: a domain (`HomeDomain`), a file name… */
  readonly current?: string;
  /** A word for the stage (`preparing`, `transferring`, `done`); a change is always shown. */
  readonly phase?: string;
  /**
   * While the job waits for the person: what to do, in the app's words (`WAIT_SENTENCES`), shown
   * instead of the numbers, which do not move meanwhile. A change is always shown.
   */
  readonly waiting?: string;
}

export interface ProgressRenderer {
  /** Shows (or, throttled, skips) one event; `details` go into the JSON event as they are. */
  update(view: ProgressView, details?: object): void;
  /** Finishes the display (the terminal line ends with a newline); safe to call twice. */
  end(): void;
}

export type ProgressStyle = 'bar' | 'lines' | 'json' | 'none';

/**
 * The renderer a command line deserves: NDJSON on stdout with --json, a redrawn bar when stderr
 * is a terminal, plain throttled lines when it is piped (logs, CI).
 */
export function chooseProgressStyle(io: CliIo, json: boolean): ProgressStyle {
  if (json) return 'json';
  // In-process callers (tests, the app) pass their own io: never a terminal.
  return io === processIo && process.stderr.isTTY === true ? 'bar' : 'lines';
}

export function createProgressRenderer(io: CliIo, style: ProgressStyle, now: () => number = Date.now): ProgressRenderer {
  switch (style) {
    case 'bar':
      return new ProgressBar(io.stderr, now, () => (io === processIo ? process.stderr.columns : undefined));
    case 'lines':
      return new PlainProgressLines(io.stderr, now);
    case 'json':
      return new JsonProgress(io.stdout, now);
    case 'none':
      return { update: () => undefined, end: () => undefined };
  }
}
