import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAppCore } from '../src/main/core/app-core';
import type { JobFinished, JobPhase } from '../src/shared/contract-job-models';

/**
 * The app's main process without its window, for the event-loop row of the benchmark: the same
 * app core the Electron shell and the web bridge drive (src/main/core), started the way
 * src/main/electron starts it, runs one backup through `backup:start` while
 * `perf_hooks.monitorEventLoopDelay` watches the loop. Every IPC message, every window repaint the
 * main process must answer, waits behind whatever holds the loop, so its p99 is what a person
 * feels as a stuck window during a backup.
 *
 * Besides the histogram it notes each stall over STALL_MS with the job's phase then, so a p99 over
 * target points at a phase (preparing: the store's clone; finishing: catalog, retention).
 *
 *   app-core-child WORK_DIR UDID full|incremental      (USBMUXD_SOCKET_ADDRESS in the environment)
 *
 * Prints one JSON line: EventLoopReport.
 */
export interface EventLoopReport {
  readonly jobMs: number;
  readonly outcome: JobFinished['outcome'];
  readonly error?: string;
  readonly filesDone: number;
  readonly bytesDone: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly stalls: readonly { readonly atMs: number; readonly ms: number; readonly phase: JobPhase | 'starting' }[];
  readonly maxRssKb: number;
}

/** A gap this long between two 10 ms ticks is a stall worth naming. */
const STALL_MS = 50;
const TICK_MS = 10;

const [workDir, udid, mode] = process.argv.slice(2);
if (workDir === undefined || udid === undefined || (mode !== 'full' && mode !== 'incremental')) {
  process.stderr.write('usage: app-core-child WORK_DIR UDID full|incremental\n');
  process.exit(1);
}
fs.mkdirSync(workDir, { recursive: true });
const core = await createAppCore({
  muxAddress: process.env['USBMUXD_SOCKET_ADDRESS'],
  backupRoot: path.join(workDir, 'backups'),
  settingsPath: path.join(workDir, 'settings.json'),
  mode: 'electron',
});

// The device list fills from usbmuxd's Listen events; wait for the phone before asking for a backup.
await new Promise<void>((resolve) => {
  const check = (): void => {
    void core.invoke('devices:list', {}).then((devices) => {
      if (devices.some((device) => device.udid === udid && device.connected)) {
        unsubscribe();
        resolve();
      }
    });
  };
  const unsubscribe = core.on('devices:changed', check);
  check();
});

let phase: JobPhase | 'starting' = 'starting';
const stalls: { atMs: number; ms: number; phase: JobPhase | 'starting' }[] = [];
const histogram = monitorEventLoopDelay({ resolution: TICK_MS });
const started = performance.now();
let lastTick = started;
const ticker = setInterval(() => {
  const now = performance.now();
  const late = now - lastTick - TICK_MS;
  if (late > STALL_MS) stalls.push({ atMs: Math.round(lastTick - started), ms: Math.round(late), phase });
  lastTick = now;
}, TICK_MS);
histogram.enable();
core.on('job:progress', (progress) => {
  phase = progress.phase;
});
const finished = new Promise<JobFinished>((resolve) => core.on('job:finished', resolve));
await core.invoke('backup:start', { udid, full: mode === 'full' });
const result = await finished;
const jobMs = performance.now() - started;
histogram.disable();
clearInterval(ticker);
await core.close();
const ms = (nanoseconds: number): number => Math.round(nanoseconds / 1e4) / 100;
const report: EventLoopReport = {
  jobMs,
  outcome: result.outcome,
  ...(result.error ? { error: result.error.message } : {}),
  filesDone: result.filesDone ?? 0,
  bytesDone: result.bytesDone ?? 0,
  p50Ms: ms(histogram.percentile(50)),
  p99Ms: ms(histogram.percentile(99)),
  maxMs: ms(histogram.max),
  meanMs: ms(histogram.mean),
  stalls,
  maxRssKb: process.resourceUsage().maxRSS,
};
// The report is the last line; exit even if a handle of the closed core lingers (a usbmuxd Listen).
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
