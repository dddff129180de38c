import type { MainApi, NoticeView } from '../../../shared/contract';

/** The person's choice, per browser: the permission is the browser's, whether to use it is theirs. */
const ENABLED_KEY = 'lifeboat.browserNotifications';
/** A phone arriving, a scheduled backup starting, a job ending: what is worth a notification outside the tab (issue 15 item 5). */
const SHOWN: ReadonlySet<NoticeView['about']> = new Set(['connected', 'job-started', 'job-finished']);

export function browserNotificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export function browserNotificationsEnabled(): boolean {
  return browserNotificationsSupported() && Notification.permission === 'granted' && localStorage.getItem(ENABLED_KEY) === 'on';
}

/**
 * Turns them on or off. Turning on asks the browser's permission, so it must run from the person's
 * click (browsers ignore a request made without one). Resolves with what is now in force.
 */
export async function setBrowserNotifications(enabled: boolean): Promise<'on' | 'off' | 'blocked'> {
  if (!enabled || !browserNotificationsSupported()) {
    localStorage.setItem(ENABLED_KEY, 'off');
    return 'off';
  }
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission !== 'granted') {
    localStorage.setItem(ENABLED_KEY, 'off');
    return 'blocked';
  }
  localStorage.setItem(ENABLED_KEY, 'on');
  return 'on';
}

/**
 * Web mode's desktop notifications: the core's notices about phones and jobs, shown by the browser
 * while the Lifeboat tab is not being looked at (when it is, its toast says the same). A click
 * brings the tab forward on that phone's page. Returns the unsubscribe.
 */
export function startBrowserNotifications(api: Pick<MainApi, 'on'>, showPhone: (udid: string) => void): () => void {
  return api.on('notify', (notice) => {
    if (!SHOWN.has(notice.about) || !browserNotificationsEnabled()) return;
    if (document.visibilityState === 'visible' && document.hasFocus()) return;
    const notification = new Notification(notice.title, { ...(notice.body ? { body: notice.body } : {}), tag: notice.id });
    notification.onclick = () => {
      window.focus();
      if (notice.udid) showPhone(notice.udid);
      notification.close();
    };
  });
}
