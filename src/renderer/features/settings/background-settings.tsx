import { useState } from 'react';
import { useActions, useAppState } from '../../app/store-context';
import { Switch } from '../../components/switch';
import { browserNotificationsEnabled, browserNotificationsSupported, setBrowserNotifications } from '../notifications/browser-notifications';

/**
 * What keeps Lifeboat there when a phone arrives or a schedule comes (issue 15 item 5): in the
 * desktop app, opening at login in the tray; in a browser, the browser's own notifications.
 */
export function BackgroundSettings() {
  return (
    <section aria-labelledby="background-title" className="options" data-testid="background-settings">
      <h2 id="background-title">When Lifeboat is in the background</h2>
      {window.api ? <OpenAtLoginSwitch /> : <BrowserNotificationsSwitch />}
    </section>
  );
}

function OpenAtLoginSwitch() {
  const settings = useAppState((state) => state.settings.value);
  const { saveSettings } = useActions();
  return (
    <Switch
      label="Open at login, in the tray"
      description="Lifeboat starts hidden in the tray when you log in, so scheduled backups and backups when an iPhone is connected happen without opening it."
      checked={settings?.openAtLogin ?? false}
      onChange={(openAtLogin) => void saveSettings({ openAtLogin, openAtLoginOffered: true })}
      testId="open-at-login-switch"
    />
  );
}

function BrowserNotificationsSwitch() {
  const [enabled, setEnabled] = useState(browserNotificationsEnabled);
  const [blocked, setBlocked] = useState(false);
  if (!browserNotificationsSupported()) return <p className="hint">This browser cannot show notifications.</p>;
  return (
    <>
      <Switch
        label="Show notifications in this browser"
        description="When this tab is not in front: an iPhone is connected, a scheduled backup starts, a backup or restore ends."
        checked={enabled}
        // The browser asks its permission only from a click like this one.
        onChange={(wanted) =>
          void setBrowserNotifications(wanted).then((result) => {
            setEnabled(result === 'on');
            setBlocked(result === 'blocked');
          })
        }
        testId="browser-notifications-switch"
      />
      {blocked ? (
        <p className="hint" role="status" data-testid="browser-notifications-blocked">
          The browser blocks notifications from this page. Allow them in the browser’s site settings, then turn this on again.
        </p>
      ) : null}
    </>
  );
}
