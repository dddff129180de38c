import { describe, expect, it } from 'vitest';
import { JobQueue, type ProgressUpdate } from '../../src/main/core/job-queue';
import type { JobFinished, JobProgress } from '../../src/shared/contract';

function queueWithClock() {
  let now = 1_000_000;
  const progress: JobProgress[] = [];
  const finished: JobFinished[] = [];
  const queue = new JobQueue({ progress: (p) => progress.push(p), finished: (f) => finished.push(f) }, () => now);
  return { queue, progress, finished, advance: (ms: number) => (now += ms) };
}

describe('job queue', () => {
  it('works out speed from the bytes over time, takes percent and time left from the job, and never goes backwards', async () => {
    const { queue, progress, finished, advance } = queueWithClock();
    let report!: (update: ProgressUpdate) => void;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    queue.start('A', 'backup', async (context) => {
      report = context.report;
      await done;
      return { backupId: 'b' };
    });
    advance(1000);
    report({ bytesDone: 1_000_000, percent: 10 });
    advance(1000);
    report({ bytesDone: 2_000_000, percent: 30, etaSeconds: 45 });
    let last = progress.at(-1)!;
    expect(last.bytesPerSecond).toBeCloseTo(1_000_000, -3);
    expect(last.etaSeconds).toBe(45);
    expect(last.percent).toBe(30);
    expect(last.phase).toBe('transferring');
    // A lower percent (a retry) is not shown, and a job with no steady rate any more has no time left.
    advance(1000);
    report({ bytesDone: 2_500_000, percent: 20, etaSeconds: undefined });
    last = progress.at(-1)!;
    expect(last.percent).toBe(30);
    expect(last.etaSeconds).toBeUndefined();
    expect(last.bytesTotal).toBeUndefined();
    finish();
    await expect.poll(() => finished.length).toBe(1);
    expect(finished[0]).toMatchObject({ udid: 'A', outcome: 'succeeded', backupId: 'b', bytesDone: 2_500_000, durationSeconds: 3 });
  });

  it('never makes up a time left from a byte total', () => {
    const { queue, progress, advance } = queueWithClock();
    let report!: (update: ProgressUpdate) => void;
    queue.start('A', 'photos-import', (context) => {
      report = context.report;
      return new Promise(() => undefined);
    });
    advance(1000);
    report({ bytesDone: 1_000_000, bytesTotal: 4_000_000 });
    expect(progress.at(-1)).toMatchObject({ percent: 25, bytesTotal: 4_000_000 });
    expect(progress.at(-1)?.etaSeconds).toBeUndefined();
  });

  it('sends counter updates at most every 100 ms but phase changes at once', () => {
    const { queue, progress, advance } = queueWithClock();
    let report!: (update: ProgressUpdate) => void;
    queue.start('A', 'backup', (context) => {
      report = context.report;
      return new Promise(() => undefined);
    });
    const before = progress.length;
    advance(200);
    report({ bytesDone: 1 });
    report({ bytesDone: 2 });
    report({ bytesDone: 3 });
    expect(progress.length - before).toBe(1);
    report({ phase: 'finishing' });
    expect(progress.at(-1)?.phase).toBe('finishing');
  });

  it('lets phones run side by side but one job per phone, and reports a cancel as cancelled', async () => {
    const { queue, finished } = queueWithClock();
    const jobA = queue.start('A', 'backup', (context) => new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error('stopped')))));
    queue.start('B', 'photos-import', () => new Promise(() => undefined));
    expect(() => queue.start('A', 'restore', async () => ({}))).toThrow(/already running/);
    expect(queue.cancel(jobA)).toBe(true);
    expect(queue.cancel(jobA)).toBe(false);
    await expect.poll(() => finished.length).toBe(1);
    expect(finished[0]).toMatchObject({ udid: 'A', outcome: 'cancelled' });
    expect(queue.activeJobFor('A')).toBeUndefined();
    expect(queue.activeJobFor('B')).toBeDefined();
  });
});
