import { type PlistDict, isPlistDict, plistBoolean, plistInteger, plistString } from '../../device/codec';
import { connectDevice, type DeviceConnection } from '../../device/lockdown';
import {
  AfcClient,
  MobileBackup2Client,
  NotificationName,
  NotificationProxyClient,
  readFileToBuffer,
} from '../../device/services';
import { BackupError } from '../backup-error';
import { type DeviceDescription } from './info-plist';
import { INSTALLATION_PROXY_SERVICE, SPRINGBOARD_SERVICE, browseUserApps, fetchAppIcons } from './installed-apps';
import { createSyncLock } from './sync-lock';

export { SYNC_LOCK_PATH } from './sync-lock';
const ITUNES_CONTROL_DIR = '/iTunes_Control/iTunes';
const BOOKS_DATA_PATH = '/Books/iBooksData2.plist';
const MAX_INFO_FILE_BYTES = 16 * 1024 * 1024;

/** Notifications the host observes for the whole run (§7.1 step 3). */
const OBSERVED = [
  NotificationName.SYNC_CANCEL_REQUEST,
  NotificationName.SYNC_SUSPEND_REQUEST,
  NotificationName.SYNC_RESUME_REQUEST,
  NotificationName.BACKUP_DOMAIN_CHANGED,
  NotificationName.PASSCODE_PROMPT_PRESENTED,
  NotificationName.PASSCODE_PROMPT_DISMISSED,
];

/** What lockdown tells about the phone's storage and backup settings. */
interface DeviceFacts {
  readonly willEncrypt: boolean;
  /** Bytes of user data on the phone (com.apple.disk_usage), the size a full backup approaches. */
  readonly usedBytes: number | undefined;
}

interface NotificationSource {
  onNotification(listener: (name: string) => void): () => void;
}

/** Everything a backup talks to on the phone, opened in the order of §7.1. */
export interface BackupDeviceSession {
  readonly udid: string;
  readonly facts: DeviceFacts;
  readonly description: DeviceDescription;
  readonly backup: MobileBackup2Client;
  /** Relayed notifications (syncCancelRequest, passcode prompts, §7.1 step 3). */
  readonly notifications: NotificationSource;
  /** syncWillStart → open the lock file → syncLockRequest → FileLock EX with retry → syncDidStart. */
  takeSyncLock(): Promise<void>;
  /** Unlock, close, syncDidFinish; best effort (the phone may be gone). */
  releaseSyncLock(): Promise<void>;
  /** Says goodbye on mobilebackup2 and closes every connection; never throws. */
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  readonly udid?: string;
  readonly muxAddress?: string;
  /** Skip the Info.plist data gathering (encryption changes need none of it). */
  readonly describe?: boolean;
  /** The longest the phone may send nothing over mobilebackup2 (idle-timeout.ts); 0 waits forever. */
  readonly idleTimeoutMs?: number;
  /** How long a lockdown or service reply may take (usbmux-client.ts's 30 s unless set). */
  readonly replyTimeoutMs?: number;
}

/**
 * How long closing waits for the phone's ProxyDeath. It is a courtesy (§2.8): a phone that never
 * sends it must not hold every finished backup for the client's default 5 s.
 */
const NOTIFICATION_SHUTDOWN_TIMEOUT_MS = 1000;

/** Connects lockdown, reads the facts and the Info.plist data, starts NP, AFC and mobilebackup2 (with the escrow bag). */
export async function openBackupSession(options: OpenSessionOptions): Promise<BackupDeviceSession> {
  let connection: DeviceConnection;
  try {
    connection = await connectDevice(options.udid, { muxAddress: options.muxAddress, timeoutMs: options.replyTimeoutMs });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BackupError('no-device', options.udid ? `Cannot reach the iPhone ${options.udid}: ${detail}` : `No iPhone is ready for a backup: ${detail}`, { cause: error });
  }
  const udid = connection.device.udid;
  const opened: Array<{ close(): void }> = [];
  try {
    const session = connection.session;
    const backupDomain = await session.getValue('com.apple.mobile.backup').catch(() => undefined);
    const diskUsage = await session.getValue('com.apple.disk_usage').catch(() => undefined);
    const facts: DeviceFacts = {
      willEncrypt: isPlistDict(backupDomain) && plistBoolean(backupDomain.WillEncrypt) === true,
      usedBytes: usedBytesOf(diskUsage),
    };
    const root = options.describe === false ? {} : await session.getValue();
    const itunesSettings = options.describe === false ? undefined : await session.getValue('com.apple.iTunes').catch(() => undefined);
    const minVersion = options.describe === false ? undefined : await session.getValue('com.apple.mobile.iTunes', 'MinITunesVersion').catch(() => undefined);
    let apps: PlistDict[] = [];
    if (options.describe !== false) {
      try {
        const channel = await session.startService(INSTALLATION_PROXY_SERVICE);
        try {
          apps = await browseUserApps(channel);
        } finally {
          channel.close();
        }
      } catch {
        // "installation_proxy apps if available" (§5.3): a backup does not need them.
      }
      if (apps.length > 0) {
        try {
          const channel = await session.startService(SPRINGBOARD_SERVICE);
          try {
            const icons = await fetchAppIcons(channel, apps.map((app) => plistString(app.CFBundleIdentifier) ?? ''));
            apps = apps.map((app) => {
              const icon = icons.get(plistString(app.CFBundleIdentifier) ?? '');
              return icon ? { ...app, PlaceholderIcon: icon } : app;
            });
          } finally {
            channel.close();
          }
        } catch {
          // Icons are decoration; Info.plist is complete without them.
        }
      }
    }
    const npChannel = await session.startService(NotificationProxyClient.SERVICE_NAME);
    opened.push(npChannel);
    const notifications = new NotificationProxyClient(npChannel, { shutdownTimeoutMs: NOTIFICATION_SHUTDOWN_TIMEOUT_MS });
    await notifications.observe(OBSERVED);
    const afcChannel = await session.startService(AfcClient.SERVICE_NAME);
    opened.push(afcChannel);
    const afc = new AfcClient(afcChannel, 30_000);
    const backupChannel = await session.startService(MobileBackup2Client.SERVICE_NAME, { escrowBag: true });
    opened.push(backupChannel);
    await connection.close();

    const description: DeviceDescription = {
      udid,
      root: isPlistDict(root) ? root : {},
      itunesSettings: isPlistDict(itunesSettings) ? itunesSettings : undefined,
      minITunesVersion: plistString(minVersion),
      itunesFiles: options.describe === false ? new Map() : await readItunesFiles(afc),
      booksData: options.describe === false ? undefined : await readFileToBuffer(afc, BOOKS_DATA_PATH, MAX_INFO_FILE_BYTES).catch(() => undefined),
      apps,
    };
    const backup = await MobileBackup2Client.connect(backupChannel, { timeoutMs: options.idleTimeoutMs ?? 0 });

    const syncLock = createSyncLock(
      afc,
      notifications,
      'Another program on this computer or another computer is syncing with the iPhone. Wait for it to finish, then try again.',
    );
    return {
      udid,
      facts,
      description,
      backup,
      notifications,
      takeSyncLock: () => syncLock.take(),
      releaseSyncLock: () => syncLock.release(),
      async close() {
        await backup.disconnect().catch(() => undefined);
        await notifications.shutdown().catch(() => undefined);
        for (const channel of opened) channel.close();
      },
    };
  } catch (error) {
    for (const channel of opened) channel.close();
    await connection.close().catch(() => undefined);
    throw sessionError(error);
  }
}

/** Whatever failed while connecting, as a BackupError with the lower layer's sentence. */
function sessionError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'PasswordProtected' || code === 'EscrowLocked') return new BackupError('device-locked', detail, { cause: error });
  if (code === 'connection-closed' || code === 'ConnectionClosed' || code === 'DeviceNotFound') {
    return new BackupError('disconnected', 'The connection to the iPhone was lost while preparing the backup.', { cause: error, detail });
  }
  return new BackupError('device-error', 'The iPhone could not start a backup.', { cause: error, detail });
}

function usedBytesOf(diskUsage: unknown): number | undefined {
  if (!isPlistDict(diskUsage)) return undefined;
  const capacity = plistInteger(diskUsage.TotalDataCapacity);
  const available = plistInteger(diskUsage.TotalDataAvailable ?? diskUsage.AmountDataAvailable);
  if (capacity === undefined || available === undefined) return undefined;
  return Math.max(0, capacity - available);
}

async function readItunesFiles(afc: AfcClient): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await afc.readDirectory(ITUNES_CONTROL_DIR);
  } catch {
    return files;
  }
  for (const name of names) {
    const content = await readFileToBuffer(afc, `${ITUNES_CONTROL_DIR}/${name}`, MAX_INFO_FILE_BYTES).catch(() => undefined);
    if (content) files.set(name, content);
  }
  return files;
}
