import type { DeviceView, JobProgress } from '../../../shared/contract';
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
          {last.outcome === 'succeeded'
            ? `Last backup finished: ${formatBytes(last.bytesDone ?? 0)} in ${formatDuration(last.durationSeconds ?? 0)}.`
            : last.outcome === 'cancelled'
              ? 'The last backup was cancelled.'
              : `The last backup failed: ${last.error?.message ?? ''} ${last.error?.nextStep ?? ''}`}
        </p>
      ) : null}
    </div>
  );
}

export function JobProgressView({ job, onCancel }: { readonly job: JobProgress; readonly onCancel: () => void }) {
  const percent = job.percent === undefined ? undefined : Math.floor(job.percent);
  const label = job.kind === 'backup' ? 'Backing up' : job.kind === 'restore' ? 'Restoring' : 'Working';
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
