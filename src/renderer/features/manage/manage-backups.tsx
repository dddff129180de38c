import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../../shared/format';
import { useAppState } from '../../app/store-context';
import { RestoreWizard } from '../restore/restore-wizard';
import { type BackupGroup, groupBackups, totalDiskBytes } from './backup-groups';
import { ManageBackupRow } from './manage-backup-row';
import { formatDatesApart } from '../../components/format-date';

/**
 * Manage Backups (Finder's "Manage Backups…", done better): every backup on this computer, of every
 * phone, plugged in or not, Lifeboat's and other tools' (the catalog's root, snapshots and added
 * folders), grouped by phone with its snapshots, each with delete, archive, verify, browse and
 * "Restore to…" any plugged-in phone through the restore wizard and its checks.
 */
export function ManageBackups() {
  const backups = useAppState(useShallow((state) => state.backups.list));
  const devices = useAppState(useShallow((state) => state.devices.list));
  const wizard = useAppState((state) => state.restore.wizard);
  const usage = useAppState((state) => state.backups.usage);
  const groups = groupBackups(backups, devices, usage);
  const diskBytes = totalDiskBytes(usage, groups);
  return (
    <article className="manage" aria-labelledby="manage-title" data-testid="manage-backups">
      <header className="card">
        <h1 id="manage-title">Manage Backups</h1>
        <p className="hint">
          {backups.length === 0
            ? 'There are no backups on this computer yet.'
            : `${backups.length} ${backups.length === 1 ? 'backup' : 'backups'} of ${groups.length} ${groups.length === 1 ? 'iPhone' : 'iPhones'}${diskBytes === undefined ? '' : `, ${formatBytes(diskBytes)} on disk`}.`}
        </p>
      </header>
      {groups.map((group) => (
        <DeviceBackups key={group.udid} group={group} />
      ))}
      {wizard ? <RestoreWizard key={`${wizard.udid}:${wizard.backupId ?? ''}`} udid={wizard.udid} {...(wizard.backupId ? { initialBackupId: wizard.backupId } : {})} /> : null}
    </article>
  );
}

function DeviceBackups({ group }: { readonly group: BackupGroup }) {
  const titleId = `manage-${group.udid}`;
  const dates = formatDatesApart(group.backups.map((backup) => backup.createdAt));
  const facts = [group.model, group.productVersion ? `iOS ${group.productVersion}` : undefined, group.connected ? 'Connected' : 'Not connected'].filter(Boolean).join(' · ');
  return (
    <section className="card manage-device" aria-labelledby={titleId} data-testid="manage-device" data-udid={group.udid} data-connected={String(group.connected)}>
      <h2 id={titleId}>
        <span className={`dot ${group.connected ? 'dot-on' : 'dot-off'}`} aria-hidden="true" /> {group.name}
      </h2>
      <p className="hint">
        {facts} · {group.backups.length} {group.backups.length === 1 ? 'backup' : 'backups'}
        {group.diskBytes === undefined ? null : `, ${formatBytes(group.diskBytes)} on disk`}
      </p>
      <table className="history manage-table">
        <caption className="visually-hidden">Backups of {group.name}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Size</th>
            <th scope="col">iOS</th>
            <th scope="col">Encrypted</th>
            <th scope="col">Camera Roll</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {group.backups.map((backup) => (
            <ManageBackupRow key={backup.id} backup={backup} date={dates.get(backup.createdAt)!} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
