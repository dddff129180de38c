import type { JobProgress } from '../../../shared/contract';
import { WAIT_SENTENCES } from '../../../shared/wait-words';

/**
 * The words for a running job, one place for the progress panel, the sidebar and the window title,
 * so all three say the same. A percent appears only when the job has one (never a guess).
 */

const VERBS: Readonly<Record<JobProgress['kind'], string>> = {
  backup: 'Backing up',
  restore: 'Restoring',
  'photos-import': 'Importing photos',
  verify: 'Checking',
};

export function jobVerb(job: JobProgress): string {
  return VERBS[job.kind];
}

/** The whole percent to show, or undefined while there is none (the bar is then indeterminate). */
export function shownPercent(job: JobProgress): number | undefined {
  if (job.phase === 'restarting' || job.phase === 'preparing' || job.phase === 'queued') return undefined;
  return job.percent === undefined ? undefined : Math.floor(job.percent);
}

/** The progress panel's heading: "Backing up…", "Restoring: preparing…", "Your iPhone is restarting…". */
export function jobHeading(job: JobProgress): string {
  if (job.phase === 'cancelling') return 'Cancelling…';
  // The password prompt is open; the job waits for it, it is not stuck.
  if (job.waitingFor === 'password') return `${jobVerb(job)}: waiting for the backup password`;
  // The job waits for the person, not the computer (issue 12): say what to do, not "preparing".
  if (job.waitingFor === 'unlock') return WAIT_SENTENCES.unlock;
  if (job.waitingFor === 'passcode') return WAIT_SENTENCES.passcode;
  if (job.phase === 'restarting') return 'Your iPhone is restarting…';
  if (job.phase === 'preparing' || job.phase === 'queued') return `${jobVerb(job)}: preparing…`;
  return `${jobVerb(job)}…`;
}

/** One short line with the percent, for the sidebar and the window title: "Backing up · 42 %", "Restarting…". */
export function jobStatus(job: JobProgress): string {
  if (job.phase === 'restarting') return 'Restarting…';
  if (job.waitingFor === 'unlock') return 'Waiting for unlock';
  if (job.waitingFor === 'passcode') return 'Enter passcode on iPhone';
  const percent = shownPercent(job);
  return percent === undefined || job.phase === 'cancelling' ? jobHeading(job) : `${jobVerb(job)} · ${percent} %`;
}
