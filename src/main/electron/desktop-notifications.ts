/**
 * Shows a DesktopNotice as an OS notification. A click (or its button) brings the Lifeboat window
 * forward, or starts a backup when the notice says so (`backUpOn`, decided in desktop-notices.ts).
 */
import { Notification } from 'electron';
import type { DesktopNotice } from './desktop-notices';

interface NoticeHandlers {
  open(udid: string | undefined): void;
  backUp(udid: string): void;
}

export function showDesktopNotice(notice: DesktopNotice, handlers: NoticeHandlers, iconPath?: string): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({
    title: notice.title,
    body: notice.body,
    urgency: notice.urgent ? 'critical' : 'normal',
    ...(iconPath ? { icon: iconPath } : {}),
    ...(notice.actionLabel ? { actions: [{ type: 'button' as const, text: notice.actionLabel }] } : {}),
  });
  const respond = (how: 'click' | 'action') => {
    if (notice.backUpOn === how && notice.udid) handlers.backUp(notice.udid);
    handlers.open(notice.udid);
  };
  notification.on('click', () => respond('click'));
  notification.on('action', () => respond('action'));
  notification.show();
}
