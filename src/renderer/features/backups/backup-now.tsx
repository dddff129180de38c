import { describeAppError, type DeviceView, type JobFinished, type JobProgress } from '../../../shared/contract';
import { formatBytes, formatDuration } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { activeJobFor } from '../../store/backups-slice';

/** Back Up Now, and while it runs the progress: percent, files, bytes, speed, time left, Cancel. */
export function BackupNow({ device }: { readonly device: DeviceView }) {
  const job = useAppState((state) => activeJobFor(state.jobs, device.udid));
  const last = useAppState((state) => state.jobs.lastFinished[device.udid]);
  const { startBackup, cancelJob } = useActions();
  if (job) return <JobProgressView job={job} onCancel={() => void cancelJob(job.jobId)} />;
  return (
    <div className="backup-now">
      <button type="button" className="primary" onClick={() => void startBackup(device.udid)} data-testid="backup-now">
        Back Up Now
      </button>
      {last ? (
        <p className={`hint outcome-${last.outcome}`} role="status" data-testid="last-outcome">
          {describeOutcome(last)}
        </p>
      ) : null}
    </div>
  );
}

const JOB_NAMES: Readonly<Record<JobFinished['kind'], string>> = { backup: 'backup', restore: 'restore', 'photos-import': 'photo import', verify: 'check' };

function describeOutcome(last: JobFinished): string {
  const what = JOB_NAMES[last.kind];
  if (last.outcome === 'succeeded') return `The last ${what} finished: ${formatBytes(last.bytesDone ?? 0)} in ${formatDuration(last.durationSeconds ?? 0)}.`;
  if (last.outcome === 'cancelled') return `The last ${what} was cancelled.`;
  return `The last ${what} failed. ${last.error ? describeAppError(last.error) : ''}`;
}

export function JobProgressView({ job, onCancel }: { readonly job: JobProgress; readonly onCancel: () => void }) {
  const percent = job.percent === undefined ? undefined : Math.floor(job.percent);
  const label = job.kind === 'backup' ? 'Backing up' : job.kind === 'restore' ? 'Restoring' : job.kind === 'photos-import' ? 'Importing photos' : 'Checking';
  return (
    <div className="job-progress" data-testid="job-progress">
      <div className="job-progress-head">
        <strong>
          {job.phase === 'cancelling' ? 'Cancelling…' : job.phase === 'preparing' ? `${label}: preparing…` : `${label}…`}
        </strong>
        <span data-testid="job-percent">{percent === undefined ? '' : `${percent}%`}</span>
      </div>
      <progress max={100} value={percent} aria-label={`${label} progress`} aria-valuetext={percent === undefined ? 'Starting' : `${percent} percent`} />
      <dl className="job-stats">
        <Stat label="Files" value={job.filesTotal ? `${job.filesDone} of ${job.filesTotal}` : String(job.filesDone)} />
        {/* Byte totals are estimates (the phone's used space) and can disagree with its percent: show only what was copied. */}
        <Stat label="Copied" value={formatBytes(job.bytesDone)} />
        <Stat label="Speed" value={job.bytesPerSecond ? `${formatBytes(Math.round(job.bytesPerSecond))}/s` : '—'} />
        <Stat label="Time left" value={job.etaSeconds === undefined ? '—' : formatDuration(job.etaSeconds)} />
      </dl>
      <button type="button" onClick={onCancel} disabled={job.phase === 'cancelling'} data-testid="cancel-job">
        Cancel
      </button>
    </div>
  );
}

function Stat({ label, value }: { readonly label: string; readonly value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
