import { useEffect } from 'react';
import { ErrorBanner } from '../components/error-banner';
import { Toasts } from '../components/toasts';
import { BackupBrowser } from '../features/browser/backup-browser';
import { DeviceList } from '../features/devices/device-list';
import { DevicePage } from '../features/devices/device-page';
import { ManageBackups } from '../features/manage/manage-backups';
import { PasswordPrompt } from '../features/passwords/password-prompt';
import { LoginItemOffer } from '../features/settings/login-item-offer';
import { SettingsPage } from '../features/settings/settings-page';
import { useActions, useAppState } from './store-context';
import { useWindowTitle } from './use-window-title';

/** The window: sidebar of phones, the selected phone's page (or Settings), errors and toasts. */
export function App() {
  const screen = useAppState((state) => state.ui.screen);
  const connected = useAppState((state) => state.ui.connected);
  const theme = useAppState((state) => state.settings.theme);
  const device = useAppState((state) => state.devices.list.find((candidate) => candidate.udid === state.devices.selectedUdid));
  const loaded = useAppState((state) => state.devices.loaded);
  const { showScreen, setTheme } = useActions();
  useWindowTitle();

  useEffect(() => {
    // 'system' leaves it to prefers-color-scheme in the stylesheet.
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">Lifeboat</div>
        <DeviceList />
        <div className="sidebar-foot">
          <button type="button" className="link" aria-current={screen === 'manage' ? 'page' : undefined} onClick={() => showScreen('manage')} data-testid="manage-backups-link">
            Manage Backups
          </button>
          <button type="button" className="link" aria-current={screen === 'settings' ? 'page' : undefined} onClick={() => showScreen('settings')}>
            Settings
          </button>
          <label className="theme-picker">
            <span>Theme</span>
            <select value={theme} onChange={(event) => void setTheme(event.target.value as typeof theme)} aria-label="Colour theme">
              <option value="system">Automatic</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
        </div>
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        {!connected && loaded ? (
          <p className="offline" role="status">
            Reconnecting to Lifeboat…
          </p>
        ) : null}
        <ErrorBanner />
        <LoginItemOffer />
        {screen === 'settings' ? (
          <SettingsPage />
        ) : screen === 'manage' ? (
          <ManageBackups />
        ) : screen === 'browser' ? (
          <BackupBrowser />
        ) : device ? (
          <DevicePage device={device} />
        ) : (
          <div className="empty card">
            <h1>Connect your iPhone</h1>
            <p>Plug your iPhone into this computer with a cable and unlock it. It will appear on the left.</p>
          </div>
        )}
      </main>
      <Toasts />
      {/* Last, so it sits above any other dialog (the restore wizard) that is waiting on it. */}
      <PasswordPrompt />
    </div>
  );
}
