import { isPlistDict, plistBoolean, plistInteger, plistString } from '../device/codec';
import { connectDevice, type DeviceConnection } from '../device/lockdown';
import {
  AfcClient,
  MobileBackup2Client,
  NotificationName,
  NotificationProxyClient,
} from '../device/services';
import { BackupError } from '../backup/backup-error';
import { createSyncLock } from '../backup/engine/sync-lock';


/** What lockdown tells before anything is started or written (§2.4). */
export interface RestoreDeviceFacts {
  readonly udid: string;
  readonly deviceName: string | undefined;
  readonly productVersion: string | undefined;
  /** com.apple.disk_usage AmountDataAvailable: bytes the phone can still take. */
  readonly freeBytes: number | undefined;
  /**
   * Find My iPhone, when the phone says (lockdown `com.apple.fmip` `IsAssociated`/`FMIPEnabled`);
   * undefined when it does not, and the phone's own refusal (MB 211) is the check.
   */
  readonly findMyEnabled: boolean | undefined;
}

/** The services a restore talks to, opened in the order of §7.3 step 2 (NP, AFC, mobilebackup2). */
export interface RestoreServices {
  readonly afc: AfcClient;
  readonly backup: MobileBackup2Client;
  onNotification(listener: (name: string) => void): () => void;
  takeSyncLock(): Promise<void>;
  releaseSyncLock(): Promise<void>;
}

interface RestoreConnection {
  readonly facts: RestoreDeviceFacts;
  /** Starts NP, AFC and mobilebackup2 (with the escrow bag) and says Hello. */
  startServices(): Promise<RestoreServices>;
  /** Says goodbye and closes everything; never throws. */
  close(): Promise<void>;
}

/** Connects lockdown and reads the facts the pre-flight checks need; starts nothing on the phone yet. */
export async function connectForRestore(udid: string | undefined, muxAddress: string | undefined, idleTimeoutMs = 0): Promise<RestoreConnection> {
  let connection: DeviceConnection;
  try {
    connection = await connectDevice(udid, { muxAddress });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BackupError('no-device', udid ? `Cannot reach the iPhone ${udid}: ${detail}` : `No iPhone is ready for a restore: ${detail}`, { cause: error });
  }
  const session = connection.session;
  const closers: Array<() => Promise<void> | void> = [];
  let closed = false;
  try {
    const root = await session.getValue().catch(() => undefined);
    const disk = await session.getValue('com.apple.disk_usage').catch(() => undefined);
    const fmip = await session.getValue('com.apple.fmip').catch(() => undefined);
    const findMy = isPlistDict(fmip) ? (plistBoolean(fmip.IsAssociated) ?? plistBoolean(fmip.FMIPEnabled)) : undefined;
    const facts: RestoreDeviceFacts = {
      udid: connection.device.udid,
      deviceName: isPlistDict(root) ? plistString(root.DeviceName) : undefined,
      productVersion: isPlistDict(root) ? plistString(root.ProductVersion) : undefined,
      freeBytes: isPlistDict(disk) ? plistInteger(disk.AmountDataAvailable ?? disk.TotalDataAvailable) : undefined,
      findMyEnabled: findMy,
    };
    return {
      facts,
      async startServices() {
        const npChannel = await session.startService(NotificationProxyClient.SERVICE_NAME);
        closers.push(() => npChannel.close());
        const notifications = new NotificationProxyClient(npChannel);
        await notifications.observe([NotificationName.SYNC_CANCEL_REQUEST]);
        closers.unshift(() => notifications.shutdown().catch(() => undefined));
        const afcChannel = await session.startService(AfcClient.SERVICE_NAME);
        closers.push(() => afcChannel.close());
        const afc = new AfcClient(afcChannel, 30_000);
        const backupChannel = await session.startService(MobileBackup2Client.SERVICE_NAME, { escrowBag: true });
        closers.push(() => backupChannel.close());
        // Every read waits at most this long for the phone's next byte (engine/idle-timeout.ts).
        const backup = await MobileBackup2Client.connect(backupChannel, { timeoutMs: idleTimeoutMs });
        closers.unshift(() => backup.disconnect().catch(() => undefined));
        const syncLock = createSyncLock(afc, notifications, 'Another program is syncing with the iPhone. Wait for it to finish, then try the restore again.');
        return {
          afc,
          backup,
          onNotification: (listener) => notifications.onNotification(listener),
          takeSyncLock: () => syncLock.take(),
          releaseSyncLock: () => syncLock.release(),
        };
      },
      async close() {
        // Called on success and again from the caller's finally: only the first call does anything.
        const pending = closers.splice(0);
        if (pending.length === 0 && closed) return;
        closed = true;
        for (const close of pending) await close();
        await connection.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}
