import { type FormEvent, useEffect, useState } from 'react';
import type { DeviceView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { PasswordField } from './password-fields';
import { RememberedPassword } from './remembered-password';

/**
 * Shown when the Camera Roll is switched off on a phone whose backups are encrypted: leaving it out
 * means opening each backup's Manifest.db (§6.4), so every backup will need the password. Says so
 * before it happens and offers to remember the password now (checked against the newest backup).
 */
export function CameraRollWarning({ device, onConfirm, onCancel }: { readonly device: DeviceView; readonly onConfirm: () => void; readonly onCancel: () => void }) {
  const status = useAppState((state) => state.passwords.remembered[device.udid]);
  const { loadPasswordStatus, rememberPassword } = useActions();
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [working, setWorking] = useState(false);
  const [tries, setTries] = useState(0);

  useEffect(() => {
    void loadPasswordStatus(device.udid);
  }, [device.udid, loadPasswordStatus]);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (working) return;
    if (password.length > 0) {
      setWorking(true);
      const outcome = await rememberPassword(device.udid, password);
      setWorking(false);
      if (!outcome.ok) {
        setProblem(outcome.problem);
        setPassword('');
        setTries((count) => count + 1);
        return;
      }
    }
    onConfirm();
  }

  const where = status?.rememberIn === 'keychain' ? "in this computer's keychain" : 'until Lifeboat quits';
  return (
    <Dialog title="Backups will need the password" onClose={onCancel}>
      <form className="form" onSubmit={(event) => void submit(event)} data-testid="camera-roll-warning">
        <p>
          Backups of {device.name ?? 'this iPhone'} are encrypted. To leave the Camera Roll out, Lifeboat has to open each backup with its password, so every backup
          will need it, automatic ones too.
        </p>
        {status?.remembered ? (
          <>
            <p className="hint">Backups will not ask for the password while it is remembered.</p>
            {/* Where a password is dealt with, it can also be taken back. */}
            <RememberedPassword udid={device.udid} />
          </>
        ) : (
          <>
            <p className="hint">
              Type it now and Lifeboat remembers it {where}
              {status?.rememberIn === 'session' ? ' (in memory only, never on disk)' : ''}. Or leave it empty: Lifeboat will ask for it at each backup.
            </p>
            <PasswordField value={password} onChange={(value) => (setPassword(value), setProblem(undefined))} problem={problem} disabled={working} label="Backup password (optional)" focusKey={tries} />
          </>
        )}
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Keep the Camera Roll
          </button>
          <button type="submit" className="primary" disabled={working} data-testid="camera-roll-confirm">
            {working ? 'Checking…' : password ? 'Remember and Turn Off' : 'Turn Off'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
