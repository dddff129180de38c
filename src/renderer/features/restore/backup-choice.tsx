import { useEffect, useRef } from 'react';
import type { BackupView } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { formatDatesApart } from '../../components/format-date';

/** What a backup holds, in a few words: for the wizard's choice list and the banner. */
export function describeBackupContents(backup: BackupView): string {
  const parts = [
    backup.productVersion ? `iOS ${backup.productVersion}` : undefined,
    formatBytes(backup.sizeBytes),
    backup.includesCameraRoll === false ? 'no Camera Roll' : backup.photoCount !== undefined ? `${backup.photoCount} ${backup.photoCount === 1 ? 'photo' : 'photos'}` : undefined,
    backup.encrypted ? 'encrypted' : 'not encrypted',
  ];
  return parts.filter(Boolean).join(' · ');
}

/**
 * Where a backup came from, when it is not this phone's current one, in Manage Backups' words
 * (backup-groups.ts backupKind). It read `snapshot`, a field nothing sets, so an earlier backup
 * was never marked and two backups of one minute looked alike but for their seconds.
 */
export function backupOrigin(backup: BackupView, backupRoot: string | undefined): string | undefined {
  if (backup.archived) return 'Archive';
  if (backup.place === 'snapshot') return 'Earlier backup';
  if (backup.addedSnapshot) return 'Earlier backup, added folder';
  // Found in one of Settings' added folders: made by Finder, iTunes or another tool.
  if (backup.place === 'other' || (backupRoot && !isInside(backup.path, backupRoot))) return 'Added folder';
  return undefined;
}

/** Path containment without node:path (the renderer has none): either separator counts. */
function isInside(child: string, folder: string): boolean {
  const base = folder.replace(/[\\/]+$/, '');
  return child === base || child.startsWith(`${base}/`) || child.startsWith(`${base}\\`);
}

interface BackupChoiceProps {
  readonly backups: readonly BackupView[];
  readonly chosen: string | undefined;
  readonly onChoose: (backupId: string) => void;
  /** Lifeboat's own backup folder; backups elsewhere are labelled as such. */
  readonly backupRoot?: string;
  /** After a reset: the backup that holds the phone's photos (restore:candidates), marked as such. */
  readonly recommendedId?: string;
  /** The phone restored to: a backup another phone made (Manage Backups' "Restore to…") is marked. */
  readonly udid?: string;
}

/** The backups of this phone as radio buttons (arrow keys move between them), newest first. */
export function BackupChoice({ backups, chosen, onChoose, backupRoot, recommendedId, udid }: BackupChoiceProps) {
  const chosenRow = useRef<HTMLLabelElement>(null);
  // A preselected backup far down the list must be seen (issue 12: it was chosen out of view).
  useEffect(() => {
    chosenRow.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  if (backups.length === 0) return <p className="hint">There are no backups of this iPhone on this computer yet.</p>;
  const dates = formatDatesApart(backups.map((backup) => backup.createdAt));
  return (
    <fieldset className="backup-choice">
      <legend>Which backup?</legend>
      {backups.map((backup, index) => {
        const unusable = backup.status !== 'complete';
        const tag = backupOrigin(backup, backupRoot);
        return (
          <label key={backup.id} ref={chosen === backup.id ? chosenRow : undefined} className={chosen === backup.id ? 'choice chosen' : 'choice'} data-testid="backup-choice">
            <input type="radio" name="backup" value={backup.id} checked={chosen === backup.id} disabled={unusable} onChange={() => onChoose(backup.id)} />
            <span className="choice-text">
              <strong>
                {dates.get(backup.createdAt)}
                {index === 0 ? <span className="badge">Latest</span> : null}
                {backup.id === recommendedId ? <span className="badge" data-testid="recommended-badge">Has your photos</span> : null}
                {tag ? <span className="badge">{tag}</span> : null}
                {udid && backup.udid !== udid ? <span className="badge">From {backup.deviceName ?? 'another iPhone'}</span> : null}
                {unusable ? <span className="badge badge-warn">Incomplete</span> : null}
              </strong>
              <span className="hint">{describeBackupContents(backup)}</span>
            </span>
          </label>
        );
      })}
    </fieldset>
  );
}
