import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The control of the event-loop row (event-loop-row.ts): a Node process that does nothing but
 * measure its own event-loop delay, with the same histogram and resolution as app-core-child.ts,
 * while the app core backs up beside it. On a machine shared with other jobs a loop also waits for a
 * core, not only for its own work; this process's p99 is that wait alone, so the app core's p99
 * can be read against it. Prints "ready", then, once stdin ends, one JSON line: IdleLoopReport.
 */
export interface IdleLoopReport {
  readonly p99Ms: number;
  readonly maxMs: number;
}

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  histogram.disable();
  const ms = (nanoseconds: number): number => Math.round(nanoseconds / 1e4) / 100;
  const report: IdleLoopReport = { p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
});
