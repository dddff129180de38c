import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { DeviceView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';
import { formatDateAmong } from '../../components/format-date';

/**
 * The after-reset path: a phone that comes back erased (an empty Camera Roll while a backup here
 * holds its photos) gets a banner that leads straight to the restore wizard on that backup.
 */
export function AfterResetBanner({ device, busy }: { readonly device: DeviceView; readonly busy: boolean }) {
  const view = useAppState((state) => state.restore.candidates[device.udid]);
  // The phone's backups, so the date reads as the wizard's list will show it.
  const phoneDates = useAppState(useShallow((state) => state.backups.list.filter((backup) => backup.udid === device.udid).map((backup) => backup.createdAt)));
  const lastJob = useAppState((state) => state.jobs.lastFinished[device.udid]?.jobId);
  const { loadRestoreCandidates, openRestoreWizard } = useActions();
  const ready = device.connected && device.trust === 'trusted' && !busy;

  // Asked again whenever the phone becomes usable and after each job (a restore brings the photos back).
  useEffect(() => {
    if (ready) void loadRestoreCandidates(device.udid);
  }, [ready, device.udid, lastJob, loadRestoreCandidates]);

  // The core picks it (the newest complete backup holding more photos than the phone), so the banner and the wizard agree.
  const best = view?.candidates.find((candidate) => candidate.backupId === view.recommendedBackupId);
  if (!ready || !view?.looksErased || !best) return null;
  const date = best.createdAt ? formatDateAmong(best.createdAt, phoneDates) : 'an earlier date';
  const photos = best.photoCount === undefined ? 'its photos, encrypted' : `${best.photoCount} ${best.photoCount === 1 ? 'photo' : 'photos'}`;
  return (
    <section className="card banner" role="region" aria-labelledby="after-reset-title" data-testid="after-reset-banner">
      <h2 id="after-reset-title">This iPhone looks newly erased.</h2>
      <p>
        Your photos are in the backup from {date} ({photos}).
      </p>
      <button type="button" className="primary" onClick={() => openRestoreWizard(device.udid, best.backupId)} data-testid="restore-photos">
        Restore from this backup…
      </button>
    </section>
  );
}
