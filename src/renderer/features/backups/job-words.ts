import { describeAppError, type JobFinished, type JobProgress } from '../../../shared/contract';
import { formatBytes, formatDuration } from '../../../shared/format';
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

const JOB_NAMES: Readonly<Record<JobFinished['kind'], string>> = { backup: 'backup', restore: 'restore', 'photos-import': 'photo import', verify: 'check' };

/**
 * How the phone's last job ended, under Back Up Now. The bytes are what was copied, not the
 * backup's size: an incremental backup copies only what changed ("237 KB" beside a 4.9 MB backup
 * read as a wrong size in issue 12's walk), and a job that counted none says no number at all.
 */
export function outcomeSentence(last: JobFinished): string {
  const what = JOB_NAMES[last.kind];
  if (last.outcome === 'cancelled') return `The last ${what} was cancelled.`;
  if (last.outcome === 'failed') return `The last ${what} failed. ${last.error ? describeAppError(last.error) : ''}`.trimEnd();
  const copied = last.bytesDone === undefined ? undefined : `${formatBytes(last.bytesDone)} copied`;
  const took = last.durationSeconds === undefined ? undefined : `in ${formatDuration(last.durationSeconds)}`;
  const facts = [copied, took].filter((part): part is string => part !== undefined).join(' ');
  return facts ? `The last ${what} finished: ${facts}.` : `The last ${what} finished.`;
}
