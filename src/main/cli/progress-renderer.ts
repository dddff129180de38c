import { type CliIo, processIo } from './cli-io';
import { ProgressBar } from './progress-bar';
import { JsonProgress } from './progress-json';
import { PlainProgressLines } from './progress-lines';
import type { ProgressRenderer } from './progress-view';

type ProgressStyle = 'bar' | 'lines' | 'json' | 'none';

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
