import { type FormEvent, useEffect, useState } from 'react';
import { describeAppError } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';

/**
 * Restore this backup onto the phone: first the checks (iOS version, space, password), shown as
 * sentences, then a confirmation. The progress appears where Back Up Now is.
 */
export function RestoreDialog({ udid, backupId, date, onClose }: { readonly udid: string; readonly backupId: string; readonly date: string; readonly onClose: () => void }) {
  const { preflightRestore, startRestore } = useActions();
  const preflight = useAppState((state) => (state.restore.preflight?.backupId === backupId ? state.restore.preflight : undefined));
  const [password, setPassword] = useState('');
  useEffect(() => {
    void preflightRestore(udid, backupId);
  }, [udid, backupId, preflightRestore]);

  function submit(event: FormEvent): void {
    event.preventDefault();
    onClose();
    void startRestore(udid, backupId, password || undefined);
  }

  return (
    <Dialog title={`Restore the backup of ${date}?`} onClose={onClose}>
      {!preflight ? (
        <p role="status">Checking the backup and the iPhone…</p>
      ) : (
        <form className="form" onSubmit={submit}>
          <p>The iPhone’s apps’ data and settings will be replaced by this backup, and the iPhone will restart. Turn off Find My on the iPhone first.</p>
          {preflight.requiredFreeBytes !== undefined ? <p className="hint">The backup holds {formatBytes(preflight.requiredFreeBytes)}.</p> : null}
          {preflight.problems.map((problem) => (
            <p key={problem.code + problem.message} role="alert" className="field-error">
              {describeAppError(problem)}
            </p>
          ))}
          {preflight.needsPassword ? (
            <label className="field">
              <span>Backup password</span>
              <input type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} required />
            </label>
          ) : null}
          <div className="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={!preflight.ok && !preflight.needsPassword}>
              Restore
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
