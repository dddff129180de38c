import { describe, expect, it } from 'vitest';
import type { JobFinished, JobProgress } from '../../../shared/contract';
import { jobHeading, jobStatus, outcomeSentence, shownPercent } from './job-words';

const job = (patch: Partial<JobProgress>): JobProgress => ({ jobId: 'j', udid: 'A', kind: 'backup', phase: 'transferring', filesDone: 0, bytesDone: 0, startedAt: '2026-01-01T00:00:00Z', ...patch });

describe('job words', () => {
  it('says the percent only when the job has one', () => {
    expect(jobStatus(job({ percent: 42.9 }))).toBe('Backing up · 42 %');
    expect(jobStatus(job({}))).toBe('Backing up…');
    expect(jobStatus(job({ phase: 'preparing', percent: 0 }))).toBe('Backing up: preparing…');
    expect(shownPercent(job({ phase: 'preparing', percent: 0 }))).toBeUndefined();
  });

  it('calls a restore’s planned restart what it is, with no percent', () => {
    const restarting = job({ kind: 'restore', phase: 'restarting', percent: 100 });
    expect(jobStatus(restarting)).toBe('Restarting…');
    expect(jobHeading(restarting)).toBe('Your iPhone is restarting…');
    expect(shownPercent(restarting)).toBeUndefined();
    expect(jobStatus(job({ kind: 'restore', percent: 7 }))).toBe('Restoring · 7 %');
    expect(jobStatus(job({ phase: 'cancelling', percent: 7 }))).toBe('Cancelling…');
  });

  it('says a job waits for the backup password rather than preparing', () => {
    expect(jobHeading(job({ phase: 'preparing', waitingFor: 'password' }))).toBe('Backing up: waiting for the backup password');
    expect(jobStatus(job({ kind: 'restore', phase: 'preparing', waitingFor: 'password' }))).toBe('Restoring: waiting for the backup password');
  });

  it('says what the last job copied, not a size it does not know', () => {
    const last = (patch: Partial<JobFinished>): JobFinished => ({ jobId: 'j', udid: 'A', kind: 'backup', outcome: 'succeeded', ...patch });
    // An incremental backup copies only what changed: the words say "copied", so it does not read as the backup's size.
    expect(outcomeSentence(last({ bytesDone: 237_000, durationSeconds: 40 }))).toBe('The last backup finished: 237 KB copied in 40 s.');
    // Nothing counted: no "0 bytes" that would not be true.
    expect(outcomeSentence(last({ kind: 'verify' }))).toBe('The last check finished.');
    expect(outcomeSentence(last({ outcome: 'cancelled', kind: 'photos-import' }))).toBe('The last photo import was cancelled.');
  });
});
