import {
  type AfcClient,
  AfcLockOperation,
  AfcOpenMode,
  type AfcHandle,
  NotificationName,
  type NotificationProxyClient,
} from '../../device/services';
import { BackupError } from '../backup-error';

/** The sync lock file every syncing host takes (protocol.md §4.5, §7.1 step 8). */
export const SYNC_LOCK_PATH = '/com.apple.itunes.lock_sync';

interface SyncLock {
  take(): Promise<void>;
  /** Releases the lock if held; never throws, so it can run on every failure path. */
  release(): Promise<void>;
}

/**
 * iTunes' sync lock, shared by backup and restore: post syncWillStart, open the lock file, post
 * syncLockRequest, take an exclusive lock (retrying while another host holds it), post
 * syncDidStart; release in reverse with syncDidFinish (§7.1 steps 8 and 13).
 *
 * The posts only tell the phone's other clients what is happening; the lock itself is the AFC
 * file lock. So a notification connection that has failed does not stop the run, as it does not
 * for idevicebackup2, which opens a fresh one per post and goes on when that fails (§2.8).
 */
export function createSyncLock(afc: AfcClient, notifications: NotificationProxyClient, busySentence: string): SyncLock {
  let lockHandle: AfcHandle | undefined;
  const post = (name: string): Promise<void> => notifications.post(name).catch(() => undefined);
  return {
    async take() {
      await post(NotificationName.SYNC_WILL_START);
      lockHandle = await afc.open(SYNC_LOCK_PATH, AfcOpenMode.READ_WRITE);
      await post(NotificationName.SYNC_LOCK_REQUEST);
      try {
        await afc.lockWithRetry(lockHandle, AfcLockOperation.EXCLUSIVE);
      } catch (error) {
        await afc.close(lockHandle).catch(() => undefined);
        lockHandle = undefined;
        throw new BackupError('busy', busySentence, { cause: error });
      }
      await post(NotificationName.SYNC_DID_START);
    },
    async release() {
      if (lockHandle === undefined) return;
      const handle = lockHandle;
      lockHandle = undefined;
      await afc.lock(handle, AfcLockOperation.UNLOCK).catch(() => undefined);
      await afc.close(handle).catch(() => undefined);
      await post(NotificationName.SYNC_DID_FINISH);
    },
  };
}
