/**
 * What the tray icon shows, as plain data built from the core's events: a status line (idle, a
 * backup at 42 %, the last failure), the icon variant, and the menu (Open, Back Up Now for each
 * connected phone, Quit). tray.ts turns the model into an Electron Tray and Menu.
 */
import type { DeviceView, JobFinished, JobProgress } from '../../shared/contract';

export type TrayIconState = 'idle' | 'busy' | 'error';

export type TrayMenuItem =
  | { readonly kind: 'status'; readonly label: string }
  | { readonly kind: 'open'; readonly label: string }
  | { readonly kind: 'backup'; readonly label: string; readonly udid: string; readonly enabled: boolean }
  | { readonly kind: 'separator' }
  | { readonly kind: 'quit'; readonly label: string };

export interface TrayModel {
  readonly icon: TrayIconState;
  readonly tooltip: string;
  readonly items: readonly TrayMenuItem[];
}

/**
 * The window's taskbar / dock progress (BrowserWindow.setProgressBar): 0–1 when a percent is
 * known, indeterminate while a job runs without one (preparing, a restore's restart), none when idle.
 */
export type TaskbarProgress = { readonly mode: 'none' } | { readonly mode: 'indeterminate' } | { readonly mode: 'normal'; readonly fraction: number };

const JOB_VERBS: Readonly<Record<JobProgress['kind'], string>> = {
  backup: 'Backing up',
  restore: 'Restoring',
  'photos-import': 'Importing photos from',
  verify: 'Checking a backup of',
};

/** Follows devices and jobs; `model()` says what the tray shows right now. */
export class TrayState {
  private devices: readonly DeviceView[] = [];
  private readonly jobs = new Map<string, JobProgress>();
  private lastFailure: { readonly udid: string; readonly message: string } | undefined;

  devicesChanged(devices: readonly DeviceView[]): void {
    this.devices = devices;
  }

  jobProgress(progress: JobProgress): void {
    this.jobs.set(progress.jobId, progress);
  }

  jobFinished(finished: JobFinished): void {
    this.jobs.delete(finished.jobId);
    if (finished.outcome === 'failed') this.lastFailure = { udid: finished.udid, message: `${finished.kind === 'backup' ? 'Backup' : 'Last job'} of ${this.nameOf(finished.udid)} failed` };
    else if (this.lastFailure?.udid === finished.udid) this.lastFailure = undefined;
  }

  model(): TrayModel {
    const running = [...this.jobs.values()];
    const status = running.length > 0 ? running.map((job) => this.describeJob(job)).join('; ') : this.lastFailure ? this.lastFailure.message : this.idleLine();
    const icon: TrayIconState = running.length > 0 ? 'busy' : this.lastFailure ? 'error' : 'idle';
    const busyPhones = new Set(running.map((job) => job.udid));
    const phones = this.devices.filter((device) => device.connected);
    const backupItems: TrayMenuItem[] = phones.map((device) => ({
      kind: 'backup',
      udid: device.udid,
      label: phones.length === 1 ? 'Back Up Now' : `Back Up ${this.nameOf(device.udid)} Now`,
      // The core would refuse too (busy / not-trusted); greying the item says so before a click.
      enabled: device.trust === 'trusted' && !busyPhones.has(device.udid) && device.activeJobId === undefined,
    }));
    if (backupItems.length === 0) backupItems.push({ kind: 'status', label: 'No iPhone connected' });
    return {
      icon,
      tooltip: `Lifeboat — ${status}`,
      items: [
        { kind: 'status', label: status },
        { kind: 'separator' },
        { kind: 'open', label: 'Open Lifeboat' },
        ...backupItems,
        { kind: 'separator' },
        { kind: 'quit', label: 'Quit Lifeboat' },
      ],
    };
  }

  /** Several jobs show the least advanced one: the bar is full only when everything is. */
  taskbar(): TaskbarProgress {
    const running = [...this.jobs.values()];
    if (running.length === 0) return { mode: 'none' };
    const percents = running.map(percentOf);
    if (percents.some((percent) => percent === undefined)) return { mode: 'indeterminate' };
    return { mode: 'normal', fraction: Math.min(...(percents as number[])) / 100 };
  }

  private describeJob(job: JobProgress): string {
    const percent = percentOf(job);
    const detail = job.phase === 'restarting' ? ' — restarting' : percent === undefined ? '' : ` — ${Math.floor(percent)}%`;
    return `${JOB_VERBS[job.kind]} ${this.nameOf(job.udid)}${detail}`;
  }

  private idleLine(): string {
    const connected = this.devices.filter((device) => device.connected);
    if (connected.length === 0) return 'No iPhone connected';
    if (connected.length === 1) return `${this.nameOf(connected[0]!.udid)} connected`;
    return `${connected.length} iPhones connected`;
  }

  private nameOf(udid: string): string {
    return this.devices.find((device) => device.udid === udid)?.name ?? 'iPhone';
  }
}

/** The percent a job really has; none while it prepares or the phone restarts. */
function percentOf(job: JobProgress): number | undefined {
  if (job.phase === 'restarting' || job.phase === 'preparing' || job.phase === 'queued') return undefined;
  return job.percent === undefined ? undefined : Math.min(100, Math.max(0, job.percent));
}
