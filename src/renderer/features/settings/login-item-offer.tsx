import { useActions, useAppState } from '../../app/store-context';

/**
 * The first-run question of the desktop app (issue 15 item 5): schedules and backups on plug-in
 * need Lifeboat running, so offer to open it at login, hidden in the tray. Asked once; either
 * answer is kept, and Settings changes it later.
 */
export function LoginItemOffer() {
  const settings = useAppState((state) => state.settings.value);
  const { saveSettings } = useActions();
  if (!window.api || !settings || settings.openAtLoginOffered) return null;
  return (
    <section className="card" aria-labelledby="login-offer-title" data-testid="login-item-offer">
      <h2 id="login-offer-title">Open Lifeboat at login?</h2>
      <p className="hint">
        Lifeboat can start hidden in the tray when you log in, so it backs up your iPhone when it is connected or on its schedule without you opening it. You can change this in Settings.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void saveSettings({ openAtLogin: true, openAtLoginOffered: true })}>
          Open at Login
        </button>
        <button type="button" onClick={() => void saveSettings({ openAtLoginOffered: true })}>
          Not Now
        </button>
      </div>
    </section>
  );
}
