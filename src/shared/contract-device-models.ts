/**
 * The contract's models of a phone (docs/architecture.md "contract"): what the device list shows,
 * its per-phone settings and schedule, its encryption. Plain JSON, like every contract model
 * (contract-models.ts says why).
 */

/** Whether this computer may talk to the phone (§2.5.2). */
type TrustStateView = 'trusted' | 'untrusted' | 'pairing-pending' | 'denied' | 'locked' | 'unknown';

export interface DeviceView {
  readonly udid: string;
  /** Plugged in now (false for a phone known only from its backups or settings). */
  readonly connected: boolean;
  /** How it is reached now: USB whenever the cable is in, else over Wi-Fi (usbmuxd `ConnectionType`). */
  readonly connection?: 'usb' | 'network';
  /** "Show this iPhone when on Wi-Fi" (lockdown `EnableWifiConnections`); known only for a trusted phone. */
  readonly wifiConnectionsEnabled?: boolean;
  readonly trust: TrustStateView;
  /** Why trust is not `trusted`, as a sentence. */
  readonly problem?: string;
  readonly name?: string;
  /** Apple's identifier, e.g. `iPhone14,2`. */
  readonly productType?: string;
  /** A marketing name for productType when known, e.g. `iPhone 13 Pro`. */
  readonly modelName?: string;
  readonly productVersion?: string;
  readonly buildVersion?: string;
  readonly serialNumber?: string;
  readonly totalCapacityBytes?: number;
  readonly freeBytes?: number;
  readonly batteryPercent?: number;
  readonly batteryCharging?: boolean;
  /** The phone's WillEncrypt: its backups are encrypted (§2.4, §6.7). */
  readonly encryptionEnabled?: boolean;
  /** The newest backup we know of (ours, or the phone's LastiTunesBackupDate). ISO-8601. */
  readonly lastBackupAt?: string;
  readonly settings: DeviceSettingsView;
  /** The job running for this phone, if any. */
  readonly activeJobId?: string;
  /**
   * Trusted, but its screen is locked with the passcode (lockdown `PasswordProtected`, protocol.md
   * §2.4): a backup cannot start until it is unlocked. The app watches and notices the unlock.
   */
  readonly passcodeLocked?: boolean;
  /**
   * The phone's storage by category, as Finder's bar shows it, from lockdown `com.apple.disk_usage`
   * (docs/protocol-notes.md "Storage by category"); absent when the phone reports no category.
   */
  readonly storage?: StorageView;
  /**
   * With a schedule: its next slot (ISO-8601), or, with `due`, the slot that passed and whose backup
   * waits for the phone to be connected, trusted and idle.
   */
  readonly nextScheduledBackup?: { readonly at: string; readonly due: boolean };
}

/** Bytes per category; apps + photos + media + other + free = total. */
export interface StorageView {
  readonly totalBytes: number;
  readonly appsBytes: number;
  readonly photosBytes: number;
  readonly mediaBytes: number;
  /** iOS itself, caches, messages, settings: everything used that no category accounts for. */
  readonly otherBytes: number;
  readonly freeBytes: number;
}

export interface DeviceSettingsView {
  /** Include the Camera Roll (DCIM) in backups. */
  readonly cameraRoll: boolean;
  /** Start a backup when the phone is plugged in and trusted. */
  readonly autoBackup: boolean;
  /** Also back up daily or weekly at a set time while it is connected; absent = no schedule. */
  readonly schedule?: BackupScheduleView;
}

/**
 * A phone's backup schedule, per phone as iMazing keeps it (Finder has only "when connected"). The
 * time is the computer's local wall-clock time, so a daily 02:00 stays 02:00 across a DST change.
 * A slot missed while the computer was off or the phone away runs once when the phone next appears.
 */
export interface BackupScheduleView {
  readonly frequency: 'daily' | 'weekly';
  /** "HH:MM", 24-hour, local time. */
  readonly time: string;
  /** Weekly only: 0 = Sunday … 6 = Saturday. */
  readonly weekday?: number;
}

export interface EncryptionView {
  readonly udid: string;
  readonly enabled: boolean;
}
