import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackupView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { MenuButton, type MenuItem } from '../../components/menu-button';
import { MiddleEllipsis } from '../../components/middle-ellipsis';
import { cameraRollLabel } from '../backups/backup-history';
import { VerificationBadge } from '../backups/verification';
import { useBrowseBackup } from '../browser/open-backup';
import { deviceTitle } from '../devices/device-list';
import { backupKind, backupNoun, backupState } from './backup-groups';

/** One backup in Manage Backups: its facts, "Restore to…" and the rest in a menu, as in a phone's history. */
export function ManageBackupRow({ backup, date }: { readonly backup: BackupView; readonly date: string }) {
  const pending = useAppState((state) => state.backups.pending[backup.id]);
  const revealed = useAppState((state) => state.backups.revealed[backup.id]);
  // As in the phone's own history: the backup iCloud Photos is known to have emptied says so here too.
  const inICloudBackupId = useAppState((state) => state.restore.candidates[backup.udid]?.photosInICloudBackupId);
  const { verifyBackup, deleteBackup, archiveBackup, revealBackup } = useActions();
  const [dialog, setDialog] = useState<'delete' | 'restore-to' | undefined>(undefined);
  const browse = useBrowseBackup(backup);
  const busy = !!pending || browse.opening;
  const state = backupState(backup);
  // A folder added in Settings is only read: Lifeboat never deletes from it.
  const deletable = backup.place !== 'other';
  const more: MenuItem[] = [
    { label: browse.opening ? 'Opening…' : 'Browse Files', onSelect: browse.browse, disabled: busy || state === 'Damaged' },
    { label: pending === 'verify' ? 'Verifying…' : 'Verify', onSelect: () => void verifyBackup(backup.id), disabled: busy },
    { label: 'Show Folder', onSelect: () => void revealBackup(backup.id), disabled: busy },
    ...(!backup.archived ? [{ label: 'Archive', onSelect: () => void archiveBackup(backup.id), disabled: busy || state !== 'Complete' }] : []),
    ...(deletable ? [{ label: 'Delete…', onSelect: () => setDialog('delete'), disabled: busy, danger: true }] : []),
  ];
  return (
    <tr data-testid="manage-row" data-backup-id={backup.id} data-kind={backupKind(backup)} data-state={state}>
      <td>
        {date}
        <span className="badge">{backupKind(backup)}</span>
        {backup.madeBy === 'other' ? <span className="badge">Other app</span> : null}
        <VerificationBadge backup={backup} />
        {pending === 'verify' ? <span className="badge">Verifying…</span> : null}
        {revealed ? (
          <div className="hint path" title={revealed}>
            <MiddleEllipsis text={revealed} />
          </div>
        ) : null}
      </td>
      <td className="nowrap">
        {formatBytes(backup.sizeBytes)}
        {backup.diskBytes === undefined ? null : <div className="hint">{formatBytes(backup.diskBytes)} on disk</div>}
      </td>
      <td>{backup.productVersion ?? '—'}</td>
      <td>{backup.encrypted ? 'Yes' : 'No'}</td>
      <td>{cameraRollLabel(backup, inICloudBackupId)}</td>
      <td>
        <span className={state === 'Complete' ? 'state-ok' : 'state-warn'}>{state}</span>
        {backup.problems?.length && state !== 'Complete' ? <div className="hint">{backup.problems[0]}</div> : null}
      </td>
      <td>
        <div className="row-actions">
          <button type="button" disabled={busy || state !== 'Complete'} onClick={() => setDialog('restore-to')} aria-label={`Restore to… (the backup of ${date})`}>
            Restore to…
          </button>
          <MenuButton label="More" ariaLabel={`More actions for the backup of ${date}`} items={more} testId="manage-row-more" />
          {browse.dialog}
          {dialog === 'restore-to' ? <RestoreToDialog backup={backup} date={date} onClose={() => setDialog(undefined)} /> : null}
          {dialog === 'delete' ? (
            <Dialog title="Delete this backup?" onClose={() => setDialog(undefined)}>
              <p>
                The {backupNoun(backup)} of {backup.deviceName ?? 'this iPhone'} from {date} ({backup.diskBytes === undefined ? formatBytes(backup.sizeBytes) : `${formatBytes(backup.diskBytes)} of its own on disk`}) will be removed from this computer. This cannot be undone.
              </p>
              <div className="actions">
                <button type="button" onClick={() => setDialog(undefined)}>
                  Keep
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    setDialog(undefined);
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
 * "Restore to…": any plugged-in, trusted phone that is not busy, then the restore wizard on it with
 * this backup chosen, so its checks (Find My, iOS version, free space, password) run as usual.
 */
function RestoreToDialog({ backup, date, onClose }: { readonly backup: BackupView; readonly date: string; readonly onClose: () => void }) {
  const phones = useAppState(useShallow((state) => state.devices.list.filter((device) => device.connected && device.trust === 'trusted' && !Object.values(state.jobs.active).some((job) => job.udid === device.udid))));
  const { openRestoreWizard } = useActions();
  const [chosen, setChosen] = useState<string | undefined>(phones.find((phone) => phone.udid === backup.udid)?.udid ?? phones[0]?.udid);
  return (
    <Dialog title={`Restore the backup of ${date} to…`} onClose={onClose}>
      <form
        className="form"
        data-testid="restore-to"
        onSubmit={(event) => {
          event.preventDefault();
          if (!chosen) return;
          onClose();
          openRestoreWizard(chosen, backup.id);
        }}
      >
        {phones.length === 0 ? (
          <p>Plug in the iPhone you want to restore to, unlock it and trust this computer; it will appear here.</p>
        ) : (
          <fieldset className="backup-choice">
            <legend>Which iPhone?</legend>
            {phones.map((phone) => (
              <label key={phone.udid} className={chosen === phone.udid ? 'choice chosen' : 'choice'}>
                <input type="radio" name="restore-to" value={phone.udid} checked={chosen === phone.udid} onChange={() => setChosen(phone.udid)} />
                <span className="choice-text">
                  <strong>
                    {deviceTitle(phone)}
                    {phone.udid === backup.udid ? <span className="badge">Made this backup</span> : null}
                  </strong>
                  <span className="hint">{[phone.modelName ?? phone.productType, phone.productVersion ? `iOS ${phone.productVersion}` : undefined].filter(Boolean).join(' · ')}</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        <p className="hint">Lifeboat checks the iPhone (Find My, iOS version, free space) before anything is written.</p>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!chosen}>
            Continue
          </button>
        </div>
      </form>
    </Dialog>
  );
}
