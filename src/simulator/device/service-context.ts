import type { Duplex } from 'node:stream';
import type { PlistDict } from '../../main/device/codec';
import type { Phone } from '../phone/phone-model';

/**
 * What every device-side service gets from the virtual iPhone it runs on: the phone's identity,
 * its files, its backup settings, the notification bus and the faults to inject.
 * This is the contract between the device core (usbmuxd, lockdownd) and the services.
 */
export interface DeviceIdentity {
  readonly udid: string;
  readonly deviceName: string;
  readonly deviceClass: 'iPhone';
  readonly productType: string;
  readonly productVersion: string;
  readonly buildVersion: string;
  readonly hardwareModel: string;
  readonly serialNumber: string;
  readonly wifiAddress: string;
  readonly bluetoothAddress: string;
  readonly uniqueChipId: number;
  readonly phoneNumber: string;
  readonly imei: string;
  readonly iccid: string;
}

/** Persisted backup settings of the phone (lockdown domain com.apple.mobile.backup, §2.4, §6.7). */
export interface BackupSettings {
  readonly willEncrypt: boolean;
  /** The backup password the phone keeps in its keychain once encryption is on. */
  readonly password: string | undefined;
  readonly requiresEncryption: boolean;
  readonly cloudBackupEnabled: boolean;
  /** Apple-epoch seconds of the last completed backup to a computer. */
  readonly lastBackupDate: number | undefined;
  /** Find My iPhone: a phone with it on refuses to be restored (§7.3). */
  readonly findMyEnabled: boolean;
  /**
   * iCloud Photos (Settings › Photos): the photo library lives in iCloud, so a backup to a computer
   * leaves the Camera Roll's originals (`Media/DCIM`) out while the phone still shows them over AFC.
   */
  readonly iCloudPhotosEnabled?: boolean;
}

export interface BackupSettingsStore {
  get(): BackupSettings;
  update(patch: Partial<BackupSettings>): void;
}

/** Darwin notifications between the phone's services (notification_proxy, §2.8). */
export interface NotificationHub {
  post(name: string): void;
  subscribe(listener: (name: string) => void): () => void;
}

/** Faults a test or a demo can inject; read at the moment they matter, so they can change live. */
export interface FaultPlan {
  /** Pull the cable after this many bytes crossed the mobilebackup2 connection (either direction). */
  readonly unplugAfterBytes?: number;
  /** Pull the cable after this many files of a backup or restore were transferred. */
  readonly unplugAfterFiles?: number;
  /**
   * The phone goes silent (stays connected, sends nothing more over mobilebackup2) after sending
   * this many bytes, possibly in the middle of a file; for the host's idle time-out.
   */
  readonly silentAfterBytes?: number;
  /** The same, between messages once this many files of a backup or restore were transferred (0: before the first). */
  readonly silentAfterFiles?: number;
  /** Plug back in this long after an injected unplug; absent = stay unplugged. */
  readonly replugAfterMs?: number;
  /** What the person does with the "Trust This Computer?" prompt. */
  readonly trust: 'accept' | 'deny' | 'ask';
  /** Passcode-locked: pairing fails with PasswordProtected, backups with MB error 208. */
  readonly locked: boolean;
  /** Bytes free on the phone, overriding the store's own figure (restore fails with 106 when short). */
  readonly deviceFreeBytes?: number;
  /** Cap on bytes per second across every connection of this device. */
  readonly linkBytesPerSecond?: number;
  /** Send malformed plists from this service instead of proper replies. */
  readonly malformedReplies?: 'lockdown' | 'mobilebackup2' | 'afc';
  /**
   * iOS 16.1+ (and 15.7.1+) phones with a passcode ask for it on the screen before every backup
   * (protocol.md §3.10). Absent: the phone has no passcode and never asks. `accept` types it after
   * `passcodeAnswerMs`, `deny` taps Cancel after it, `ignore` never answers (the phone gives up with
   * error 208 after `passcodeTimeoutMs`), `ask` waits for the console's `passcode` / `deny`.
   */
  readonly passcodePrompt?: PasscodePromptAnswer;
  /** How long the person takes to answer the passcode prompt (default 500 ms). */
  readonly passcodeAnswerMs?: number;
  /** How long the phone shows the passcode prompt before giving up with 208 (default 180 s, as observed). */
  readonly passcodeTimeoutMs?: number;
  /** Turns iCloud Photos on or off at run time, over the phone's own setting (`iCloudPhotosEnabled`). */
  readonly iCloudPhotos?: boolean;
  /**
   * notification_proxy goes silent: requests are read and dropped, nothing is relayed and Shutdown
   * gets no ProxyDeath (§2.8), as a phone busy for minutes or with a wedged service would.
   */
  readonly silentNotificationProxy?: boolean;
  /**
   * AFC paths ("/DCIM/100APPLE/IMG_0003.HEIC") whose FileOpen for reading is refused with
   * AFC_E_PERM_DENIED (§4.3): the Camera Roll lists the file, but it cannot be copied. Which
   * files a real phone refuses this way is not known from a trace; the fault tests the host's side.
   */
  readonly unreadablePaths?: readonly string[];
}

export type PasscodePromptAnswer = 'accept' | 'deny' | 'ignore' | 'ask';

/** The person in front of the phone: answers the passcode prompt typed at the simulator's console. */
export interface PasscodePromptScreen {
  /** Shows the prompt; resolves true when the passcode is typed, false on Cancel; never, if nobody answers. */
  ask(): Promise<boolean>;
  /** Takes the prompt off the screen (the phone gave up or the host went away). */
  dismiss(): void;
}

/**
 * How stale a per-chunk look at `faults.json` may be (the link budget, the byte budget): a stat per
 * chunk was a tenth of a backup's cost, and a file written from outside (the `fault` command) is
 * a human-scale event anyway.
 */
export const TRAFFIC_FAULT_FILE_MAX_AGE_MS = 100;

export interface ServiceContext {
  readonly identity: DeviceIdentity;
  readonly phone: Phone;
  readonly settings: BackupSettingsStore;
  readonly notifications: NotificationHub;
  /**
   * The fault plan. Per-chunk callers pass `fileMaxAgeMs` (TRAFFIC_FAULT_FILE_MAX_AGE_MS) to reuse a
   * recent look at `faults.json`; a file changed from outside takes effect that much later there.
   */
  faults(fileMaxAgeMs?: number): FaultPlan;
  /** The lockdown domains copied into Manifest.plist `Lockdown` (§5.4). */
  lockdownSnapshot(): PlistDict;
  /** Simulates pulling the cable: every connection of the device drops and it detaches. */
  unplug(reason: string): void;
  /**
   * Simulates a reboot (mobilebackup2 RestoreShouldReboot, §7.3): every connection drops, the device
   * detaches and attaches again after `downtimeMs`. Optional so contexts without it still type-check.
   */
  reboot?(reason: string, downtimeMs: number): void;
  /** The passcode prompt on the phone's screen, for `passcodePrompt=ask`; absent in unit-test contexts. */
  readonly passcodeScreen?: PasscodePromptScreen;
  log(message: string): void;
}

/**
 * A device-side service: handles one connection to a port StartService opened (§8.1). A handler
 * that works on after its socket closes (a restore still writing what it had already received)
 * returns a promise that settles when it is done, so `VirtualDevice.whenServicesIdle` can wait.
 */
export type ServiceHandler = (socket: Duplex, context: ServiceContext) => void | Promise<void>;
