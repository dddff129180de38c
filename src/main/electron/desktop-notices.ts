/**
 * Which desktop notifications the shell shows, decided from the core's typed events (not from the
 * in-app toast texts): an iPhone plugged in, a backup or restore finished or failed. While the
 * window has focus the in-app toast already says it, so nothing pops up on the desktop then.
 * Plain Node: the Electron side only turns a DesktopNotice into a Notification.
 */
import type { DeviceView, JobFinished, JobProgress, PasswordRequestView } from '../../shared/contract';
import { formatBytes, formatDuration } from '../../shared/format';

export interface DesktopNotice {
  readonly title: string;
  readonly body: string;
  /** The phone to show when the notification is clicked. */
  readonly udid?: string;
  /** Failures ask for attention (urgency critical on Linux). */
  readonly urgent: boolean;
  /** A button on the notification (macOS shows it; elsewhere clicking the notification does the same). */
  readonly actionLabel?: string;
  /**
   * What starts a backup of the phone: its button where notifications have buttons, else the click
   * (issue 15 item 5). Absent: the click and the button only bring the window forward.
   */
  readonly backUpOn?: 'action' | 'click';
}

interface PlannerOptions {
  /** The desktop shows buttons on notifications (macOS); elsewhere the click is the action. */
  readonly actionButtons?: boolean;
}

interface NoticeContext {
  /** The Lifeboat window is focused: the person sees the in-app toast instead. */
  readonly windowFocused: boolean;
}

export class DesktopNoticePlanner {
  private readonly connected = new Set<string>();
  private readonly names = new Map<string, string>();
  /** Scheduled jobs already announced. */
  private readonly announced = new Set<string>();

  constructor(private readonly options: PlannerOptions = {}) {}

  /** Phones already plugged in when the app starts: the window opening is notice enough. */
  seed(devices: readonly DeviceView[]): void {
    for (const device of devices) this.remember(device);
  }

  /** Notices for phones that were not connected before this update. */
  devicesChanged(devices: readonly DeviceView[], context: NoticeContext): DesktopNotice[] {
    const notices: DesktopNotice[] = [];
    const nowConnected = new Set<string>();
    for (const device of devices) {
      if (device.name) this.names.set(device.udid, device.name);
      if (!device.connected) continue;
      // Not looked at yet (lockdown not asked): announced by a later update, with the right words and action.
      if (device.trust === 'unknown' && !this.connected.has(device.udid)) continue;
      nowConnected.add(device.udid);
      if (this.connected.has(device.udid)) continue;
      const name = device.name ?? 'An iPhone';
      if (device.trust !== 'trusted') {
        notices.push({ title: 'iPhone connected', body: `${name} is connected. Open Lifeboat to trust this computer.`, udid: device.udid, urgent: false });
      } else if (device.settings.autoBackup || device.activeJobId) {
        // Backing up already (on connect): the notice only says it is there.
        notices.push({ title: 'iPhone connected', body: `${name} is connected.`, udid: device.udid, urgent: false });
      } else if (this.options.actionButtons) {
        notices.push({ title: 'iPhone connected', body: `${name} is connected.`, udid: device.udid, urgent: false, actionLabel: 'Back Up Now', backUpOn: 'action' });
      } else {
        notices.push({ title: 'iPhone connected', body: `${name} is connected. Click to back it up now.`, udid: device.udid, urgent: false, backUpOn: 'click' });
      }
    }
    this.connected.clear();
    for (const udid of nowConnected) this.connected.add(udid);
    return context.windowFocused ? [] : notices;
  }

  /** A scheduled backup starting, once per job: nobody clicked, so say that it runs. */
  jobProgress(progress: JobProgress, context: NoticeContext): DesktopNotice | undefined {
    if (progress.trigger !== 'schedule' || this.announced.has(progress.jobId)) return undefined;
    this.announced.add(progress.jobId);
    if (context.windowFocused) return undefined;
    const name = this.names.get(progress.udid) ?? 'The iPhone';
    return { title: 'Scheduled backup started', body: `${capitalize(name)} is being backed up on its schedule.`, udid: progress.udid, urgent: false };
  }

  /** A notice for a finished or failed backup or restore; cancelled jobs were the person's own doing. */
  jobFinished(finished: JobFinished, context: NoticeContext): DesktopNotice | undefined {
    this.announced.delete(finished.jobId);
    if (context.windowFocused) return undefined;
    if (finished.kind !== 'backup' && finished.kind !== 'restore') return undefined;
    const what = finished.kind === 'backup' ? (finished.trigger === 'schedule' ? 'Scheduled backup' : 'Backup') : 'Restore';
    const name = this.names.get(finished.udid) ?? 'the iPhone';
    if (finished.outcome === 'succeeded') {
      const details = [
        finished.bytesDone === undefined ? undefined : formatBytes(finished.bytesDone),
        finished.durationSeconds === undefined ? undefined : `in ${formatDuration(finished.durationSeconds)}`,
      ].filter((part): part is string => part !== undefined);
      const verb = finished.kind === 'backup' ? 'was backed up' : 'was restored';
      return { title: `${what} finished`, body: `${capitalize(name)} ${verb}${details.length ? ` (${details.join(' ')})` : ''}.`, udid: finished.udid, urgent: false };
    }
    if (finished.outcome === 'failed') {
      const reason = finished.error ? `${finished.error.message} ${finished.error.nextStep}` : 'Open Lifeboat to see what happened.';
      return { title: `${what} of ${name} failed`, body: reason, udid: finished.udid, urgent: true };
    }
    return undefined;
  }

  /**
   * A backup or restore waits for the backup password (an automatic backup, or one started from the
   * tray): say so, since it would otherwise wait unseen. Clicking brings the window forward, where
   * the password prompt is already open. Verify and Browse are asked from the window itself.
   */
  passwordNeeded(request: PasswordRequestView, context: NoticeContext): DesktopNotice | undefined {
    if (context.windowFocused || request.problem !== undefined) return undefined;
    if (request.reason !== 'backup' && request.reason !== 'restore') return undefined;
    const name = request.deviceName ?? this.names.get(request.udid) ?? 'the iPhone';
    const what = request.reason === 'backup' ? (request.automatic ? 'The automatic backup' : 'The backup') : 'The restore';
    return {
      title: 'Lifeboat needs the backup password',
      body: `${what} of ${name} is waiting for its backup password. Click to enter it.`,
      udid: request.udid,
      urgent: true,
      actionLabel: 'Enter Password',
    };
  }

  private remember(device: DeviceView): void {
    if (device.name) this.names.set(device.udid, device.name);
    if (device.connected) this.connected.add(device.udid);
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
