import { useEffect, useState } from 'react';
import { useActions, useAppState } from '../../app/store-context';

/**
 * Says whether this phone's backup password is remembered, and where, with "Forget Saved Password"
 * beside it: a remembered password must be as easy to take back as it was to give (issue 12). Read
 * again whenever a password prompt closes, since its "Remember" box may have just saved one.
 */
export function RememberedPassword({ udid }: { readonly udid: string }) {
  const status = useAppState((state) => state.passwords.remembered[udid]);
  const openPrompts = useAppState((state) => state.passwords.requests.length);
  const { loadPasswordStatus, forgetPassword } = useActions();
  const [working, setWorking] = useState(false);

  useEffect(() => {
    void loadPasswordStatus(udid);
  }, [udid, openPrompts, loadPasswordStatus]);

  if (!status?.remembered) return null;
  const where = status.rememberIn === 'keychain' ? "in this computer's keychain" : 'until Lifeboat quits (in memory only)';
  return (
    <p className="hint remembered-password" data-testid="remembered-password">
      The backup password is remembered {where}.{' '}
      <button
        type="button"
        className="link"
        disabled={working}
        onClick={() => {
          setWorking(true);
          void forgetPassword(udid).finally(() => setWorking(false));
        }}
      >
        {working ? 'Forgetting…' : 'Forget Saved Password'}
      </button>
    </p>
  );
}
