import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { describeAppError, type JobFinished, type RestorePreflightView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { ErrorDetails } from '../../components/error-text';
import { JobProgressView } from '../backups/backup-now';
import { formatDateAmong } from '../../components/format-date';
import { BackupChoice } from './backup-choice';

type Step = 'choose' | 'checks' | 'options' | 'progress';

const STEP_TITLES: Readonly<Record<Step, string>> = {
  choose: 'Choose a backup',
  checks: 'Checking before the restore',
  options: 'What to restore',
  progress: 'Restoring',
};

/** The last step's heading once the job is over: "Restoring" above "has been restored" read as still going. */
const RESULT_TITLES: Readonly<Record<JobFinished['outcome'], string>> = {
  succeeded: 'Restored',
  cancelled: 'Restore cancelled',
  failed: 'The restore did not finish',
};

/**
 * The restore wizard: choose a backup → checks (as sentences) → options → progress, the restart,
 * and the result. An encrypted backup's password is asked by the one password prompt once the
 * restore starts (or the remembered one is used), on top of the wizard. Each step's heading takes the focus, so a
 * keyboard or screen-reader user always knows where they are.
 */
export function RestoreWizard({ udid, initialBackupId }: { readonly udid: string; readonly initialBackupId?: string }) {
  // This phone's backups, plus the one chosen in Manage Backups' "Restore to…" when another phone made it.
  const backups = useAppState(useShallow((state) => state.backups.list.filter((backup) => backup.udid === udid || backup.id === initialBackupId)));
  const sorted = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const preflight = useAppState((state) => state.restore.preflight);
  const jobId = useAppState((state) => state.restore.jobId);
  const outcome = useAppState((state) => (jobId && state.jobs.lastFinished[udid]?.jobId === jobId ? state.jobs.lastFinished[udid]?.outcome : undefined));
  const backupRoot = useAppState((state) => state.settings.value?.backupRoot);
  const { closeRestoreWizard, preflightRestore, startRestore } = useActions();
  const [step, setStep] = useState<Step>('choose');
  // After a reset the recommended backup (the newest with the photos) is preselected, as the banner says.
  const recommended = useAppState((state) => (state.restore.candidates[udid]?.looksErased ? state.restore.candidates[udid]?.recommendedBackupId : undefined));
  const [chosen, setChosen] = useState<string | undefined>(initialBackupId ?? recommended ?? sorted.find((backup) => backup.status === 'complete')?.id);
  const [choices, setChoices] = useState({ settings: true, system: true, reboot: true });
  const heading = useRef<HTMLHeadingElement>(null);
  const backup = sorted.find((candidate) => candidate.id === chosen);
  // Named as its row in the list is: with seconds when another backup there shares its minute.
  const chosenDate = backup ? formatDateAmong(backup.createdAt, sorted.map((candidate) => candidate.createdAt)) : undefined;

  useEffect(() => heading.current?.focus(), [step]);

  function go(next: Step): void {
    if (next === 'checks' && chosen) void preflightRestore(udid, chosen);
    setStep(next);
  }

  async function start(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!chosen) return;
    setStep('progress');
    const started = await startRestore(udid, chosen, choices);
    if (!started) setStep('options');
  }

  const checksFor = preflight?.backupId === chosen ? preflight : undefined;
  return (
    <Dialog title={`Restore ${chosenDate ? `the backup of ${chosenDate}` : 'a backup'}`} onClose={closeRestoreWizard}>
      <div className="wizard" data-testid="restore-wizard" data-step={step}>
        <ol className="wizard-steps" aria-label="Steps">
          {(Object.keys(STEP_TITLES) as Step[]).map((name) => (
            <li key={name} aria-current={name === step ? 'step' : undefined}>
              {STEP_TITLES[name]}
            </li>
          ))}
        </ol>
        <h3 tabIndex={-1} ref={heading} className="wizard-heading" data-testid="wizard-heading">
          {step === 'progress' && outcome ? RESULT_TITLES[outcome] : STEP_TITLES[step]}
        </h3>
        {step === 'choose' ? (
          <form className="form" onSubmit={(event) => (event.preventDefault(), go('checks'))}>
            <BackupChoice backups={sorted} chosen={chosen} onChoose={setChosen} udid={udid} {...(backupRoot ? { backupRoot } : {})} {...(recommended ? { recommendedId: recommended } : {})} />
            <WizardButtons onBack={closeRestoreWizard} backLabel="Cancel" nextDisabled={!backup || backup.status !== 'complete'} />
          </form>
        ) : null}
        {step === 'checks' ? (
          <form className="form" onSubmit={(event) => (event.preventDefault(), go('options'))}>
            <PreflightSentences preflight={checksFor} />
            <WizardButtons onBack={() => setStep('choose')} nextDisabled={!checksFor || checksFor.problems.length > 0} />
          </form>
        ) : null}
        {step === 'options' ? (
          <form className="form" onSubmit={(event) => void start(event)}>
            <Check label="Restore settings" hint="Wi-Fi, wallpaper and other settings from the backup replace the iPhone's." checked={choices.settings} onChange={(settings) => setChoices({ ...choices, settings })} />
            <Check label="Restore system files" hint="Everything the backup holds, as Finder's Restore Backup does. Off restores only apps' data." checked={choices.system} onChange={(system) => setChoices({ ...choices, system })} />
            <Check label="Restart the iPhone when done" hint="The iPhone needs a restart to use what was restored." checked={choices.reboot} onChange={(reboot) => setChoices({ ...choices, reboot })} />
            <p>The iPhone’s data will be replaced by this backup. Keep it plugged in until it has restarted.</p>
            <WizardButtons onBack={() => setStep('checks')} nextLabel="Restore" />
          </form>
        ) : null}
        {step === 'progress' ? (
          <RestoreProgress udid={udid} jobId={jobId} date={chosenDate ?? ''} onRetry={() => setStep('options')} onClose={closeRestoreWizard} />
        ) : null}
      </div>
    </Dialog>
  );
}

/** The pre-flight answer as sentences a person can act on (protocol.md §7.3 checks). */
function PreflightSentences({ preflight }: { readonly preflight: RestorePreflightView | undefined }) {
  if (!preflight) return <p role="status">Checking the backup and the iPhone…</p>;
  return (
    <ul className="checks" data-testid="preflight" aria-live="polite">
      {preflight.findMyEnabled ? <li className="field-error">Find My is on. Turn it off on the iPhone (Settings › your name › Find My) before restoring.</li> : null}
      {preflight.problems.map((problem) => (
        <li key={problem.code + problem.message} className="field-error" role="alert">
          {describeAppError(problem)}
        </li>
      ))}
      {preflight.requiredFreeBytes !== undefined && preflight.deviceFreeBytes !== undefined && preflight.requiredFreeBytes <= preflight.deviceFreeBytes ? (
        <li className="check-ok">The iPhone has enough space: the backup needs {formatBytes(preflight.requiredFreeBytes)} and {formatBytes(preflight.deviceFreeBytes)} are free.</li>
      ) : null}
      {preflight.versionCompatible ? <li className="check-ok">The iPhone’s iOS can take this backup.</li> : null}
      {preflight.needsPassword ? <li>This backup is encrypted: Lifeboat asks for its password when the restore starts, unless it remembers it.</li> : null}
      {preflight.problems.length === 0 ? <li className="check-ok">Nothing stands in the way. Make sure Find My is off on the iPhone.</li> : null}
    </ul>
  );
}

/** Percent, files, bytes, time left and Cancel; then "restarting"; then the result. */
function RestoreProgress({ udid, jobId, date, onRetry, onClose }: { readonly udid: string; readonly jobId: string | undefined; readonly date: string; readonly onRetry: () => void; readonly onClose: () => void }) {
  const job = useAppState((state) => (jobId ? state.jobs.active[jobId] : undefined));
  const finished = useAppState((state) => (jobId && state.jobs.lastFinished[udid]?.jobId === jobId ? state.jobs.lastFinished[udid] : undefined));
  const { cancelJob } = useActions();
  if (finished) {
    return (
      <div className="form" data-testid="restore-result" data-outcome={finished.outcome}>
        <p role="status" className={`outcome-${finished.outcome}`}>
          {finished.outcome === 'succeeded'
            ? `Your iPhone has been restored from the backup of ${date}.`
            : finished.outcome === 'cancelled'
              ? 'The restore was cancelled. The iPhone may be missing some of its data until you restore again.'
              : `The restore did not finish. ${finished.error ? describeAppError(finished.error) : ''}`}
        </p>
        <ErrorDetails error={finished.error} />
        <div className="actions">
          {finished.outcome !== 'succeeded' ? (
            <button type="button" onClick={onRetry}>
              Try again
            </button>
          ) : null}
          <button type="button" className="primary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    );
  }
  // The engine says so (the job's `restarting` phase, after the phone was told to restart), so the
  // phone leaving usbmuxd now is expected; the job ends when it is back.
  const restarting = job?.phase === 'restarting';
  const tenths = job?.percent === undefined ? undefined : Math.floor(job.percent / 10) * 10;
  return (
    <div>
      {/* Announced in steps of ten percent: every progress event would drown a screen reader. */}
      <p className="visually-hidden" aria-live="polite">
        {restarting ? 'Your iPhone is restarting.' : tenths === undefined ? 'Starting the restore.' : `${tenths} percent restored.`}
      </p>
      {restarting ? (
        // Everything is on the phone; what is left is its restart, which has no percent to show.
        <div className="job-progress" data-testid="restarting">
          <strong className="restarting">Your iPhone is restarting…</strong>
          <progress aria-label="Waiting for the iPhone to restart" aria-valuetext="Restarting" />
          <p className="hint">Keep it plugged in; Lifeboat continues when it is back. {job.filesDone} files were restored.</p>
        </div>
      ) : job ? (
        <JobProgressView job={job} onCancel={() => void cancelJob(job.jobId)} />
      ) : (
        <p role="status">Starting the restore…</p>
      )}
    </div>
  );
}

function WizardButtons({ onBack, backLabel = 'Back', nextLabel = 'Continue', nextDisabled = false }: { readonly onBack: () => void; readonly backLabel?: string; readonly nextLabel?: string; readonly nextDisabled?: boolean }) {
  return (
    <div className="actions">
      <button type="button" onClick={onBack}>
        {backLabel}
      </button>
      <button type="submit" className="primary" disabled={nextDisabled}>
        {nextLabel}
      </button>
    </div>
  );
}

function Check({ label, hint, checked, onChange }: { readonly label: string; readonly hint: string; readonly checked: boolean; readonly onChange: (checked: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>
        {label}
        <span className="hint"> — {hint}</span>
      </span>
    </label>
  );
}
