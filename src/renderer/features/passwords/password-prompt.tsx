import { type FormEvent, useEffect, useState } from 'react';
import type { PasswordRequestView } from '../../../shared/contract';
import { useActions, useAppState } from '../../app/store-context';
import { Dialog } from '../../components/dialog';
import { PasswordField, RememberCheckbox } from './password-fields';

/**
 * The one password prompt: whatever needs a backup password (Back Up Now or an automatic backup of
 * an encrypted phone with the Camera Roll off, Verify, Browse, Restore) waits in the core, which
 * sends password:needed; this dialog answers it. A wrong password is said here and the dialog
 * stays for another try; Cancel (or Escape) cancels the work that was waiting.
 */
export function PasswordPrompt() {
  const request = useAppState((state) => state.passwords.requests[0]);
  // One dialog per request: a new request starts with an empty field and its own remember choice.
  return request ? <PromptDialog key={request.requestId} request={request} /> : null;
}

function PromptDialog({ request }: { readonly request: PasswordRequestView }) {
  const submitting = useAppState((state) => state.passwords.submitting[request.requestId] ?? false);
  const name = useAppState((state) => request.deviceName ?? state.devices.list.find((device) => device.udid === request.udid)?.name ?? 'this iPhone');
  const { providePassword, cancelPasswordRequest } = useActions();
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  const [tries, setTries] = useState(0);
  const [empty, setEmpty] = useState(false);

  // Asked again after a try: the password was not right. Empty the field and put the focus back in it.
  useEffect(() => {
    if (request.problem !== 'wrong' || submitting) return;
    setPassword('');
    setTries((count) => count + 1);
  }, [request, submitting]);

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (submitting) return;
    if (password.length === 0) {
      setEmpty(true);
      return;
    }
    setEmpty(false);
    void providePassword(request.requestId, password, remember);
  }

  const problem = empty ? 'Type the backup password first.' : submitting ? undefined : problemText(request.problem);
  return (
    <Dialog title="Enter the backup password" onClose={() => void cancelPasswordRequest(request.requestId)}>
      <form className="form" onSubmit={submit} data-testid="password-prompt" data-reason={request.reason}>
        <p>{purpose(request, name)}</p>
        <PasswordField value={password} onChange={setPassword} problem={problem} disabled={submitting} focusKey={tries} />
        <RememberCheckbox rememberIn={request.rememberIn} checked={remember} onChange={setRemember} disabled={submitting} />
        {request.jobId ? <p className="hint">Cancel stops this {request.reason === 'restore' ? 'restore' : 'backup'}; nothing already saved is lost.</p> : null}
        <div className="actions">
          <button type="button" onClick={() => void cancelPasswordRequest(request.requestId)}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={submitting}>
            {submitting ? 'Checking…' : 'Continue'}
          </button>
        </div>
        <p className="visually-hidden" aria-live="polite">
          {submitting ? 'Checking the password.' : ''}
        </p>
      </form>
    </Dialog>
  );
}

/** Why the password is needed, in the person's terms. */
function purpose(request: PasswordRequestView, name: string): string {
  switch (request.reason) {
    case 'backup':
      return `${request.automatic ? 'An automatic backup' : 'The backup'} of ${name} is waiting. Its backups are encrypted and the Camera Roll is left out, so Lifeboat needs the backup password to take the photos out of this backup.`;
    case 'verify':
      return `This backup of ${name} is encrypted. Enter its password to check every file in it.`;
    case 'browse':
      return `This backup of ${name} is encrypted. Enter its password to look inside it.`;
    case 'restore':
      return `This backup of ${name} is encrypted. Enter its password to restore it.`;
  }
}

function problemText(problem: PasswordRequestView['problem']): string | undefined {
  if (problem === 'wrong') return 'That password is not right. Check it (it is the one chosen when encryption was turned on) and try again.';
  if (problem === 'remembered-wrong') return 'The remembered password no longer works (was it changed?). Type the current one; the old one has been forgotten.';
  return undefined;
}
