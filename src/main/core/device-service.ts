import { setWifiConnections } from '../device/lockdown';
import type { DeviceManager, ManagedDevice } from '../device/manager';
import type { DeviceSettingsView, DeviceView, SettingsView } from '../../shared/contract';
import { connectedDeviceView, type KnownDevice, knownDeviceView } from './device-views';
import { fail } from './error-mapping';
import type { EventHub } from './event-hub';
import type { JobQueue } from './job-queue';
import type { DeviceSettingsPatch, SettingsStore } from './settings-store';

interface DeviceServiceOptions {
  readonly manager: DeviceManager;
  readonly settings: SettingsStore;
  readonly hub: EventHub;
  readonly jobs: JobQueue;
  readonly lastBackupAt: (udid: string) => string | undefined;
  readonly knownDevices: () => readonly KnownDevice[];
  /** The phone's schedule as its page shows it (BackupScheduler.upcoming). */
  readonly nextScheduledBackup?: (udid: string) => DeviceView['nextScheduledBackup'];
  /** The settings as windows show them (BackupService.settingsView: with a missing folder's sentence). */
  readonly settingsView: () => SettingsView;
}

/**
 * The device list the UI shows: phones plugged in now (from the DeviceManager) plus phones known
 * from backups, each with its settings and running job. Also starts auto-backups on connect.
 */
export class DeviceService {
  /** Called when a phone with auto-backup on becomes trusted after being plugged in. */
  onAutoBackup: ((udid: string) => Promise<void>) | undefined;
  /** Phones already auto-backed-up during this connection (cleared on unplug). */
  private readonly autoBackedUp = new Set<string>();
  /** What each phone plugged in this session said of itself, for when it is briefly away. */
  private readonly lastSeen = new Map<string, KnownDevice>();

  constructor(private readonly options: DeviceServiceOptions) {}

  list(): DeviceView[] {
    const { manager, settings, jobs, lastBackupAt } = this.options;
    const connected = manager.list().map((device) =>
      connectedDeviceView(device, { settings: settings.device(device.udid), lastBackupAt: lastBackupAt(device.udid), activeJobId: jobs.activeJobFor(device.udid) }),
    );
    // A phone just back from a restart has not said its name yet: keep what it said before.
    for (const device of connected) {
      const before = this.lastSeen.get(device.udid);
      this.lastSeen.set(device.udid, {
        udid: device.udid,
        name: device.name ?? before?.name,
        productType: device.productType ?? before?.productType,
        productVersion: device.productVersion ?? before?.productVersion,
        serialNumber: device.serialNumber ?? before?.serialNumber,
      });
    }
    const seen = new Set(connected.map((device) => device.udid));
    const knownDevices = this.options.knownDevices();
    // A phone away for a job's sake (a restore's restart) stays listed even with no backup of its own.
    const awayWithJob = jobs
      .list()
      .filter((job) => !seen.has(job.udid) && !knownDevices.some((device) => device.udid === job.udid))
      .map((job) => this.lastSeen.get(job.udid) ?? { udid: job.udid });
    const known = [...knownDevices, ...awayWithJob]
      .filter((device) => !seen.has(device.udid))
      .map((device) => knownDeviceView(device, { settings: settings.device(device.udid), lastBackupAt: lastBackupAt(device.udid), activeJobId: jobs.activeJobFor(device.udid) }));
    const next = this.options.nextScheduledBackup;
    if (!next) return [...connected, ...known];
    return [...connected, ...known].map((view) => {
      const scheduled = next(view.udid);
      return scheduled ? { ...view, nextScheduledBackup: scheduled } : view;
    });
  }

  view(udid: string): DeviceView {
    const view = this.list().find((device) => device.udid === udid);
    if (!view) fail('no-device', undefined, udid);
    return view;
  }

  nameOf(udid: string): string {
    // Right after a restart the phone is back before it has said its name again.
    return this.list().find((device) => device.udid === udid)?.name ?? this.lastSeen.get(udid)?.name ?? 'the iPhone';
  }

  async refresh(udid: string): Promise<DeviceView> {
    await this.options.manager.refresh(udid);
    return this.view(udid);
  }

  /** Pairs; the trust dialog state reaches the UI through devices:changed while this waits. */
  async pair(udid: string): Promise<DeviceView> {
    if (!this.options.manager.get(udid)) fail('no-device', undefined, udid);
    await this.options.manager.pair(udid);
    this.publish();
    return this.view(udid);
  }

  /** "Show this iPhone when on Wi-Fi": stored on the phone itself, so it needs the phone connected and trusted. */
  async setWifiConnections(udid: string, enabled: boolean): Promise<DeviceView> {
    const { manager } = this.options;
    if (!manager.get(udid)) fail('no-device', undefined, udid);
    await setWifiConnections(udid, enabled, { mux: manager.mux });
    await manager.refresh(udid);
    this.publish();
    return this.view(udid);
  }

  updateSettings(udid: string, patch: DeviceSettingsPatch): DeviceSettingsView {
    const next = this.options.settings.updateDevice(udid, patch);
    this.options.hub.emit('settings:changed', this.options.settingsView());
    this.publish();
    // Turning auto-backup on does not start a backup now (as in Finder): the next plug-in does.
    if (patch.autoBackup) this.autoBackedUp.add(udid);
    return next;
  }

  publish(): void {
    this.options.hub.emit('devices:changed', { devices: this.list() });
  }

  onDetached(udid: string): void {
    this.autoBackedUp.delete(udid);
    this.publish();
  }

  onUpdated(device: ManagedDevice): void {
    this.publish();
    this.maybeAutoBackup(device);
  }

  private maybeAutoBackup(device: ManagedDevice | undefined): void {
    if (!device || device.trust !== 'trusted' || !this.onAutoBackup) return;
    if (!this.options.settings.device(device.udid).autoBackup || this.autoBackedUp.has(device.udid)) return;
    if (this.options.jobs.activeJobFor(device.udid)) return;
    this.autoBackedUp.add(device.udid);
    // A failure here is reported by the job's own finished event; nothing to add.
    void this.onAutoBackup(device.udid).catch(() => undefined);
  }
}
