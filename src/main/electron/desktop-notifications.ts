/** Shows a DesktopNotice as an OS notification; a click (or its button) brings the Lifeboat window forward. */
import { Notification } from 'electron';
import type { DesktopNotice } from './desktop-notices';

export function showDesktopNotice(notice: DesktopNotice, onClick: (udid: string | undefined) => void, iconPath?: string): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({
    title: notice.title,
    body: notice.body,
    urgency: notice.urgent ? 'critical' : 'normal',
    ...(iconPath ? { icon: iconPath } : {}),
    ...(notice.actionLabel ? { actions: [{ type: 'button' as const, text: notice.actionLabel }] } : {}),
  });
  notification.on('click', () => onClick(notice.udid));
  notification.on('action', () => onClick(notice.udid));
  notification.show();
}
