import { type FormEvent, useState } from 'react';
import type { BackupView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';
import { Dialog } from '../../components/dialog';

/** "Browse…" on a history row: opens the backup, asking for its password first when it is encrypted. */
export function BrowseButton({ backup, date, disabled }: { readonly backup: BackupView; readonly date: string; readonly disabled: boolean }) {
  const { openBrowser } = useActions();
  const [asking, setAsking] = useState(false);
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [working, setWorking] = useState(false);

  async function open(withPassword?: string): Promise<void> {
    setWorking(true);
    const opened = await openBrowser(backup.id, withPassword);
    setWorking(false);
    if (opened) setAsking(false);
    else if (withPassword) setProblem('That password does not open this backup. Check it and try again.');
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    void open(password);
  }

  return (
    <>
      <button type="button" disabled={disabled || working} onClick={() => (backup.encrypted ? setAsking(true) : void open())} aria-label={`Browse the backup of ${date}`}>
        {working && !asking ? 'Opening…' : 'Browse'}
      </button>
      {asking ? (
        <Dialog title="This backup is encrypted" onClose={() => setAsking(false)}>
          <form className="form" onSubmit={submit}>
            <label className="field">
              <span>Backup password</span>
              <input type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} required />
            </label>
            {problem ? (
              <p role="alert" className="field-error">
                {problem}
              </p>
            ) : null}
            <div className="actions">
              <button type="button" onClick={() => setAsking(false)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={working || !password}>
                {working ? 'Opening…' : 'Open'}
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
    </>
  );
}
