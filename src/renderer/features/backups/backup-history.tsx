import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackupView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { formatDatesApart } from '../../components/format-date';
import { useBrowseBackup } from '../browser/open-backup';
import { MenuButton, type MenuItem } from '../../components/menu-button';
import { MiddleEllipsis } from '../../components/middle-ellipsis';
import { VerificationBadge } from './verification';

/** Every backup of one phone, newest first: Restore, and browse / verify / show / archive / delete in a menu. */
export function BackupHistory({ udid, canRestore }: { readonly udid: string; readonly canRestore: boolean }) {
  const backups = useAppState(useShallow((state) => state.backups.list.filter((backup) => backup.udid === udid)));
  const sorted = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const dates = formatDatesApart(sorted.map((backup) => backup.createdAt));
  const inICloudBackupId = useAppState((state) => state.restore.candidates[udid]?.photosInICloudBackupId);
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">Backup history</h2>
      {sorted.length === 0 ? (
        <p className="hint">No backups yet.</p>
      ) : (
        <table className="history" data-testid="backup-history">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Size</th>
              <th scope="col">iOS</th>
              <th scope="col">Encrypted</th>
              <th scope="col">Camera Roll</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((backup) => (
              <BackupRow key={backup.id} backup={backup} date={dates.get(backup.createdAt)!} canRestore={canRestore} udid={udid} inICloudBackupId={inICloudBackupId} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function BackupRow({ backup, date, canRestore, udid, inICloudBackupId }: { readonly backup: BackupView; readonly date: string; readonly canRestore: boolean; readonly udid: string; readonly inICloudBackupId: string | undefined }) {
  const pending = useAppState((state) => state.backups.pending[backup.id]);
  const revealed = useAppState((state) => state.backups.revealed[backup.id]);
  const { verifyBackup, deleteBackup, archiveBackup, revealBackup, openRestoreWizard } = useActions();
  const [confirming, setConfirming] = useState(false);
  const browse = useBrowseBackup(backup);
  const busy = !!pending || browse.opening;
  // Restore is the row's main action and stays a button; the rest share one menu so a row never wraps.
  const more: MenuItem[] = [
    { label: browse.opening ? 'Opening…' : 'Browse Files', onSelect: browse.browse, disabled: busy },
    { label: pending === 'verify' ? 'Verifying…' : 'Verify', onSelect: () => void verifyBackup(backup.id), disabled: busy },
    { label: 'Show Folder', onSelect: () => void revealBackup(backup.id), disabled: busy },
    ...(!backup.archived ? [{ label: 'Archive', onSelect: () => void archiveBackup(backup.id), disabled: busy }] : []),
    { label: 'Delete…', onSelect: () => setConfirming(true), disabled: busy, danger: true },
  ];
  return (
    <tr data-testid="backup-row" data-backup-id={backup.id} data-camera-roll={backup.includesCameraRoll === undefined ? 'unknown' : String(backup.includesCameraRoll)}>
      <td>
        {date}
        {backup.archived ? <span className="badge">Archived</span> : null}
        {backup.status === 'incomplete' ? <span className="badge badge-warn">Incomplete</span> : null}
        <VerificationBadge backup={backup} />
        {pending === 'verify' ? <span className="badge">Verifying…</span> : null}
        {revealed ? (
          <div className="hint path" title={revealed}>
            <MiddleEllipsis text={revealed} />
          </div>
        ) : null}
      </td>
      <td className="nowrap" title={backup.diskBytes === undefined ? undefined : `Takes ${formatBytes(backup.diskBytes)} on disk: the rest is shared with newer backups`}>{formatBytes(backup.sizeBytes)}</td>
      <td>{backup.productVersion ?? '—'}</td>
      <td>{backup.encrypted ? 'Yes' : 'No'}</td>
      <td data-testid="camera-roll-cell">{cameraRollLabel(backup, inICloudBackupId)}</td>
      <td>
        <div className="row-actions">
          {canRestore && backup.status === 'complete' ? (
            <button type="button" disabled={busy} onClick={() => openRestoreWizard(udid, backup.id)} aria-label={`Restore the backup of ${date}`}>
              Restore…
            </button>
          ) : null}
          <MenuButton label="More" ariaLabel={`More actions for the backup of ${date}`} items={more} testId="backup-row-more" />
          {browse.dialog}
          {confirming ? (
            <Dialog title="Delete this backup?" onClose={() => setConfirming(false)}>
              <p>The backup of {date} will be removed from this computer. This cannot be undone.</p>
              <div className="actions">
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    setConfirming(false);
                    void deleteBackup(backup.id);
                  }}
                >
                  Delete
                </button>
              </div>
            </Dialog>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

/**
 * The Camera Roll column. With iCloud Photos on, the phone leaves its library out of every computer
 * backup: the core infers it from the newest backup (photosInICloudBackupId), and that backup says
 * where the photos are, since "None" would read as if the phone had none. An older backup without
 * photos may have been made before iCloud Photos was on, or before there were photos: "None".
 */
export function cameraRollLabel(backup: BackupView, inICloudBackupId: string | undefined): string {
  if (backup.includesCameraRoll === false) return 'Not included';
  if (backup.photoCount === 0) return backup.id === inICloudBackupId ? 'In iCloud Photos' : 'None';
  if (backup.photoCount !== undefined) return `${backup.photoCount} ${backup.photoCount === 1 ? 'item' : 'items'}`;
  return backup.includesCameraRoll ? 'Included' : '—';
}
