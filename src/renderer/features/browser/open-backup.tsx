import { type FormEvent, useState } from 'react';
import type { BackupView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';
import { Dialog } from '../../components/dialog';

/**
 * "Browse" on a history row: opens the backup, asking for its password first when it is encrypted.
 * Returns what the row needs: `browse()` for its menu, `opening` for its label, and the dialog.
 */
export function useBrowseBackup(backup: BackupView) {
  const { openBrowser } = useActions();
  const [asking, setAsking] = useState(false);
  const [opening, setOpening] = useState(false);

  async function open(password?: string): Promise<void> {
    setOpening(true);
    const opened = await openBrowser(backup.id, password);
    setOpening(false);
    // A wrong password shows at the foot of the dialog (Dialog shows the errors raised inside it).
    if (opened) setAsking(false);
  }

  const browse = () => (backup.encrypted ? setAsking(true) : void open());
  const dialog = asking ? <BrowsePasswordDialog opening={opening} onOpen={(password) => void open(password)} onClose={() => setAsking(false)} /> : null;
  return { browse, opening, dialog };
}

function BrowsePasswordDialog({ opening, onOpen, onClose }: { readonly opening: boolean; readonly onOpen: (password: string) => void; readonly onClose: () => void }) {
  const [password, setPassword] = useState('');

  function submit(event: FormEvent): void {
    event.preventDefault();
    onOpen(password);
  }

  return (
    <Dialog title="This backup is encrypted" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>Backup password</span>
          <input type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} required />
        </label>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={opening || !password}>
            {opening ? 'Opening…' : 'Open'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
