import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackupView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { formatDate } from '../devices/device-page';
import { BrowseButton } from '../browser/open-backup';

/** Every backup of one phone, newest first, with verify / show / archive / delete. */
export function BackupHistory({ udid, canRestore }: { readonly udid: string; readonly canRestore: boolean }) {
  const backups = useAppState(useShallow((state) => state.backups.list.filter((backup) => backup.udid === udid)));
  const sorted = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
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
              <BackupRow key={backup.id} backup={backup} canRestore={canRestore} udid={udid} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function BackupRow({ backup, canRestore, udid }: { readonly backup: BackupView; readonly canRestore: boolean; readonly udid: string }) {
  const pending = useAppState((state) => state.backups.pending[backup.id]);
  const verified = useAppState((state) => state.backups.verified[backup.id]);
  const revealed = useAppState((state) => state.backups.revealed[backup.id]);
  const { verifyBackup, deleteBackup, archiveBackup, revealBackup, openRestoreWizard } = useActions();
  const [confirming, setConfirming] = useState(false);
  const date = formatDate(backup.createdAt);
  return (
    <tr data-testid="backup-row" data-backup-id={backup.id} data-camera-roll={backup.includesCameraRoll === undefined ? 'unknown' : String(backup.includesCameraRoll)}>
      <td>
        {date}
        {backup.archived ? <span className="badge">Archived</span> : null}
        {backup.status === 'incomplete' ? <span className="badge badge-warn">Incomplete</span> : null}
        {verified ? <span className={verified.ok ? 'badge badge-ok' : 'badge badge-warn'}>{verified.ok ? 'Verified' : `${verified.problems.length} problems`}</span> : null}
        {revealed ? <div className="hint path">{revealed}</div> : null}
      </td>
      <td>{formatBytes(backup.sizeBytes)}</td>
      <td>{backup.productVersion ?? '—'}</td>
      <td>{backup.encrypted ? 'Yes' : 'No'}</td>
      <td data-testid="camera-roll-cell">{cameraRollLabel(backup)}</td>
      <td className="row-actions">
        {canRestore && backup.status === 'complete' ? (
          <button type="button" disabled={!!pending} onClick={() => openRestoreWizard(udid, backup.id)} aria-label={`Restore the backup of ${date}`}>
            Restore…
          </button>
        ) : null}
        <BrowseButton backup={backup} date={date} disabled={!!pending} />
        <button type="button" disabled={!!pending} onClick={() => void verifyBackup(backup.id)} aria-label={`Verify the backup of ${date}`}>
          {pending === 'verify' ? 'Verifying…' : 'Verify'}
        </button>
        <button type="button" disabled={!!pending} onClick={() => void revealBackup(backup.id)} aria-label={`Show the folder of the backup of ${date}`}>
          Show
        </button>
        {!backup.archived ? (
          <button type="button" disabled={!!pending} onClick={() => void archiveBackup(backup.id)} aria-label={`Archive the backup of ${date}`}>
            Archive
          </button>
        ) : null}
        <button type="button" className="danger" disabled={!!pending} onClick={() => setConfirming(true)} aria-label={`Delete the backup of ${date}`}>
          Delete
        </button>
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
      </td>
    </tr>
  );
}

function cameraRollLabel(backup: BackupView): string {
  if (backup.includesCameraRoll === false) return 'Not included';
  if (backup.photoCount === 0) return 'None';
  if (backup.photoCount !== undefined) return `${backup.photoCount} ${backup.photoCount === 1 ? 'item' : 'items'}`;
  return backup.includesCameraRoll ? 'Included' : '—';
}
