import { type FormEvent, useState } from 'react';
import type { DeviceView } from '../../../shared/contract';
import { useActions } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { Switch } from '../../components/switch';
import { RememberedPassword } from '../passwords/remembered-password';

type DialogMode = 'enable' | 'disable' | 'change' | undefined;

/**
 * "Encrypt local backup": the phone keeps the setting and the password (§6.7); turning it on asks
 * for a new password twice, turning it off or changing it asks for the current one.
 */
export function EncryptionControl({ device, disabled }: { readonly device: DeviceView; readonly disabled: boolean }) {
  const [mode, setMode] = useState<DialogMode>(undefined);
  const enabled = device.encryptionEnabled ?? false;
  return (
    <div>
      <Switch
        label="Encrypt local backup"
        description="Encrypted backups also keep saved passwords, Health and Wi-Fi settings. If you forget the password, the backups cannot be restored."
        checked={enabled}
        disabled={disabled || device.encryptionEnabled === undefined}
        onChange={(on) => setMode(on ? 'enable' : 'disable')}
        testId="encryption-switch"
      />
      {enabled ? (
        <button type="button" className="link" onClick={() => setMode('change')} disabled={disabled}>
          Change password…
        </button>
      ) : null}
      {enabled ? <RememberedPassword udid={device.udid} /> : null}
      {mode ? <PasswordDialog udid={device.udid} mode={mode} onClose={() => setMode(undefined)} /> : null}
    </div>
  );
}

function PasswordDialog({ udid, mode, onClose }: { readonly udid: string; readonly mode: Exclude<DialogMode, undefined>; readonly onClose: () => void }) {
  const { setEncryption, changePassword } = useActions();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [working, setWorking] = useState(false);
  const needsNew = mode !== 'disable';
  const needsCurrent = mode !== 'enable';
  const title = mode === 'enable' ? 'Set a backup password' : mode === 'disable' ? 'Turn off encryption' : 'Change the backup password';

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (needsNew && next.length === 0) return setProblem('Type a password.');
    if (needsNew && next !== confirm) return setProblem('The two passwords are different. Type the same password twice.');
    setWorking(true);
    const ok = mode === 'enable' ? await setEncryption(udid, true, next) : mode === 'disable' ? await setEncryption(udid, false, current) : await changePassword(udid, current, next);
    setWorking(false);
    // A refusal shows at the foot of the dialog as the phone's own sentence (Dialog shows its errors).
    if (ok) onClose();
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} className="form">
        {needsCurrent ? <Field label="Current password" value={current} onChange={setCurrent} autoComplete="current-password" /> : null}
        {needsNew ? <Field label="New password" value={next} onChange={setNext} autoComplete="new-password" /> : null}
        {needsNew ? <Field label="Confirm password" value={confirm} onChange={setConfirm} autoComplete="new-password" /> : null}
        {problem ? (
          <p role="alert" className="field-error">
            {problem}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={working}>
            {working ? 'Working…' : mode === 'disable' ? 'Turn Off' : mode === 'change' ? 'Change Password' : 'Set Password'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Field({ label, value, onChange, autoComplete }: { readonly label: string; readonly value: string; readonly onChange: (value: string) => void; readonly autoComplete: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type="password" value={value} autoComplete={autoComplete} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}
