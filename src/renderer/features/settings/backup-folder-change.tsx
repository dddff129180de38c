import { useState } from 'react';
import type { BackupMoveProgress } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';

/**
 * A new backup folder: move the backups there (a rename on the same disk, else copy, check and
 * delete; one that fails half-way loses nothing) or keep them where they are, still listed as an
 * added folder. Shows the move's progress while it runs; errors stay in this dialog.
 */
export function BackupFolderChange({ from: openedFrom, to, onDone, onCancel }: { readonly from: string; readonly to: string; readonly onDone: () => void; readonly onCancel: () => void }) {
  const { changeBackupRoot } = useActions();
  // The folder the backups were in when asked: a move that stops half-way changes the setting under us.
  const [from] = useState(openedFrom);
  const progress = useAppState((state) => state.settings.moveProgress);
  const [choice, setChoice] = useState<'move' | 'keep'>('move');
  const [working, setWorking] = useState(false);

  async function apply(): Promise<void> {
    setWorking(true);
    const done = await changeBackupRoot(to, choice);
    setWorking(false);
    if (done) onDone();
  }

  return (
    <Dialog title="Change the backup folder?" onClose={() => !working && onCancel()}>
      <form
        className="form"
        data-testid="backup-folder-change"
        onSubmit={(event) => {
          event.preventDefault();
          void apply();
        }}
      >
        <p>
          New backups will go to <strong className="path">{to}</strong>. What about the backups already in <strong className="path">{from}</strong>?
        </p>
        <fieldset className="backup-choice whole" disabled={working}>
          <legend>The backups there now</legend>
          <label className={choice === 'move' ? 'choice chosen' : 'choice'}>
            <input type="radio" name="existing" checked={choice === 'move'} onChange={() => setChoice('move')} />
            <span className="choice-text">
              <strong>Move them to the new folder</strong>
              <span className="hint">Each backup is moved with its history. If something goes wrong half-way, nothing is lost: every backup stays in one of the two folders and stays listed.</span>
            </span>
          </label>
          <label className={choice === 'keep' ? 'choice chosen' : 'choice'}>
            <input type="radio" name="existing" checked={choice === 'keep'} onChange={() => setChoice('keep')} />
            <span className="choice-text">
              <strong>Keep them where they are</strong>
              <span className="hint">They stay listed, as an added folder, and can still be browsed and restored.</span>
            </span>
          </label>
        </fieldset>
        {working && choice === 'move' ? (
          <div data-testid="move-progress">
            {progress?.bytesTotal ? (
              // In bytes: one backup may be most of the data, and a copy to another disk takes minutes.
              <progress max={progress.bytesTotal} value={progress.bytesMoved ?? 0} aria-label="Bytes moved" />
            ) : (
              <progress max={progress?.total || 1} value={progress?.moved ?? 0} aria-label="Backups moved" />
            )}
            <p className="hint" role="status">
              {progress ? moveWords(progress) : 'Starting…'}
            </p>
          </div>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onCancel} disabled={working}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={working}>
            {working ? (choice === 'move' ? 'Moving…' : 'Saving…') : choice === 'move' ? 'Move Backups' : 'Change Folder'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "Moved 1.2 GB of 3.4 GB (1 of 2 backups); now <folder>." — bytes when the core counted them. */
export function moveWords(progress: BackupMoveProgress): string {
  const backups = `${progress.moved} of ${progress.total} backups`;
  const amount = progress.bytesTotal ? `Moved ${formatBytes(progress.bytesMoved ?? 0)} of ${formatBytes(progress.bytesTotal)} (${backups})` : `Moved ${backups}`;
  return `${amount}${progress.current ? `; now ${progress.current}` : ''}.`;
}
