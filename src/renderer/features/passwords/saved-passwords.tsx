import { useEffect } from 'react';
import { useActions, useAppState } from '../../app/store-context';
import { RememberedPassword } from './remembered-password';

/**
 * Settings' list of the backup passwords Lifeboat remembers, one line per phone with "Forget Saved
 * Password" beside it: a remembered password must be as easy to take back as it was to give, also
 * for a phone that is not plugged in now (issue 12; the phone's page has the same line).
 */
export function SavedPasswords() {
  // The store's own arrays and maps (stable until they change), so nothing new is made per render.
  const devices = useAppState((state) => state.devices.list);
  const status = useAppState((state) => state.passwords.remembered);
  const { loadPasswordStatus } = useActions();
  const udids = devices.map((device) => device.udid).join(' ');

  useEffect(() => {
    for (const udid of udids.split(' ').filter(Boolean)) void loadPasswordStatus(udid);
  }, [udids, loadPasswordStatus]);

  const remembered = devices.filter((device) => status[device.udid]?.remembered === true);
  return (
    <section aria-labelledby="saved-passwords-title" data-testid="saved-passwords">
      <h2 id="saved-passwords-title">Backup passwords</h2>
      {remembered.length === 0 ? (
        <p className="hint">Lifeboat remembers no backup password. It asks for one when a backup needs it.</p>
      ) : (
        <ul className="saved-passwords">
          {remembered.map((device) => (
            <li key={device.udid}>
              <strong>{device.name ?? device.udid}</strong>
              <RememberedPassword udid={device.udid} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
