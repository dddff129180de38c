import { describe, expect, it } from 'vitest';
import { type RestoreProgress, RestoreProgressTracker } from '../../src/main/restore/restore-progress';

describe('RestoreProgressTracker', () => {
  it('reports a request of many small files a few times a second and exactly at its end, not once per file', () => {
    let clock = 0;
    const reports: RestoreProgress[] = [];
    const tracker = new RestoreProgressTracker((progress) => reports.push(progress), () => clock);
    tracker.setPhase('restoring');
    tracker.stepAnnounced(50, 1000 * 4096);
    for (let file = 0; file < 1000; file += 1) {
      clock += 0.5; // 1,000 files in half a second
      tracker.bytes(4096);
      tracker.fileDone(`U/ab/${String(file).padStart(40, '0')}`);
    }
    expect(reports.length).toBeLessThanOrEqual(1 + 6);
    tracker.stepFinished();
    expect(reports.at(-1)).toMatchObject({ phase: 'restoring', filesDone: 1000, bytesDone: 1000 * 4096, percent: 50 });
  });
});
