import type { DeviceView, JobProgress } from '../../../shared/contract';
import { formatBytes, formatTimeLeft } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { ErrorDetails } from '../../components/error-text';
import { activeJobFor } from '../../store/backups-slice';
import { ICLOUD_PHOTOS_RESULT } from '../photos/icloud-photos-notice';
import { PhotosNotCopiedNotice } from '../photos/photos-not-copied';
import { jobHeading, jobVerb, outcomeSentence, shownPercent } from './job-words';

/** Back Up Now, and while it runs the progress: percent, files, bytes, speed, time left, Cancel. */
export function BackupNow({ device }: { readonly device: DeviceView }) {
  const job = useAppState((state) => activeJobFor(state.jobs, device.udid));
  const last = useAppState((state) => state.jobs.lastFinished[device.udid]);
  const inICloudBackupId = useAppState((state) => state.restore.candidates[device.udid]?.photosInICloudBackupId);
  const { startBackup, cancelJob } = useActions();
  if (job) return <JobProgressView job={job} onCancel={() => void cancelJob(job.jobId)} />;
  return (
    <div className="backup-now">
      <button type="button" className="primary" onClick={() => void startBackup(device.udid)} data-testid="backup-now">
        Back Up Now
      </button>
      {last ? (
        <div className={`hint outcome-${last.outcome}`} role="status" data-testid="last-outcome">
          {outcomeSentence(last)}
          {/* The backup just made is the one found without photos because of iCloud Photos: it says where they went. */}
          {last.kind === 'backup' && last.outcome === 'succeeded' && last.backupId !== undefined && last.backupId === inICloudBackupId ? ` ${ICLOUD_PHOTOS_RESULT}` : null}
          <ErrorDetails error={last.error} />
        </div>
      ) : null}
      {last?.photosNotCopied ? <PhotosNotCopiedNotice notCopied={last.photosNotCopied} /> : null}
    </div>
  );
}

export function JobProgressView({ job, onCancel }: { readonly job: JobProgress; readonly onCancel: () => void }) {
  const percent = shownPercent(job);
  const label = jobVerb(job);
  const restarting = job.phase === 'restarting';
  return (
    <div className="job-progress" data-testid="job-progress" data-phase={job.phase}>
      <div className="job-progress-head">
        <strong data-testid="job-status">{jobHeading(job)}</strong>
        <span data-testid="job-percent">{percent === undefined ? '' : `${percent}%`}</span>
      </div>
      {/* No value while nothing is known: an indeterminate bar, never a made-up one. */}
      {job.waitingFor === 'passcode' ? (
        <p className="hint" data-testid="job-waiting">
          Your iPhone asks for its passcode before every backup. Type it on the iPhone; if nobody does, the iPhone gives up after about three minutes.
        </p>
      ) : null}
      <progress max={100} value={percent} aria-label={`${label} progress`} aria-valuetext={restarting ? 'Restarting' : percent === undefined ? 'Starting' : `${percent} percent`} />
      <dl className="job-stats">
        {/* A total only when one is really known (a photo import); files that arrived are not one. */}
        <Stat label="Files" value={job.filesTotal !== undefined ? `${job.filesDone} of ${job.filesTotal}` : String(job.filesDone)} testId="job-files" />
        <Stat label="Copied" value={formatBytes(job.bytesDone)} testId="job-bytes" />
        <Stat label="Speed" value={job.bytesPerSecond && !restarting ? `${formatBytes(Math.round(job.bytesPerSecond))}/s` : '—'} testId="job-speed" />
        {/* The engine gives a time only once the rate is steady (≥ 10 s and ≥ 5 %). */}
        {/* Nothing to estimate while the job waits for the person (unlock, passcode, password) or the restart. */}
        <Stat label="Time left" value={job.etaSeconds === undefined ? (restarting || job.waitingFor !== undefined ? '—' : 'Estimating…') : `about ${formatTimeLeft(job.etaSeconds)}`} testId="job-eta" />
      </dl>
      <button type="button" onClick={onCancel} disabled={job.phase === 'cancelling' || restarting} data-testid="cancel-job">
        Cancel
      </button>
    </div>
  );
}

function Stat({ label, value, testId }: { readonly label: string; readonly value: string; readonly testId?: string }) {
  return (
    <div data-testid={testId}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
