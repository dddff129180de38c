import { ServiceError } from '../../device/services';
import { BackupError } from '../backup-error';

/** Every restore failure says what happened to the backup, because that is what a person fears for. */
const BACKUP_SAFE = 'The backup itself was not changed.';

export const FIND_MY_SENTENCE = 'Find My iPhone is on. Turn it off on the iPhone (Settings → your name → Find My → Find My iPhone), then start the restore again. Nothing was changed on the iPhone.';

/** The phone's final ErrorCode during a restore (MBErrorDomain, protocol.md §3.9) as a sentence. */
export function restoreErrorForDeviceCode(code: number, description: string | undefined): BackupError {
  const detail = description ? ` (iPhone: ${description})` : ` (error ${code})`;
  switch (code) {
    case 211:
      return new BackupError('device-error', `${FIND_MY_SENTENCE}${detail}`);
    case 207:
      return new BackupError('wrong-password', `The iPhone refused the backup password${detail}. ${BACKUP_SAFE}`);
    case 203:
      return new BackupError('unsupported', `The iPhone cannot take this backup: it was made with a newer iOS or an unsupported format${detail}. Update the iPhone first. ${BACKUP_SAFE}`);
    case 106:
      return new BackupError('device-error', `The iPhone does not have enough free space for this backup${detail}. Free some space on it and try again. ${BACKUP_SAFE}`);
    case 208:
      return new BackupError('device-locked', `The iPhone is locked. Unlock it and try again${detail}. ${BACKUP_SAFE}`);
    case 202:
      return new BackupError('cancelled', `The restore was cancelled on the iPhone${detail}. ${BACKUP_SAFE}`);
    case 204:
    case 205:
      return new BackupError('corrupt', `The iPhone could not read this backup${detail}; it may be incomplete or damaged. Try an earlier backup. ${BACKUP_SAFE}`);
    default:
      return new BackupError('device-error', `The iPhone stopped the restore with an error${detail}. ${BACKUP_SAFE}`);
  }
}

/** A services-layer failure during the restore's DL loop as a BackupError with a sentence. */
export function asRestoreError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  if (error instanceof ServiceError) {
    if (error.code === 'connection-closed') {
      return new BackupError('disconnected', `The connection to the iPhone was lost during the restore (was the cable unplugged?). ${BACKUP_SAFE} Connect the iPhone and restore again: it may be incomplete until then.`, { cause: error });
    }
    if (error.code === 'timeout') return new BackupError('disconnected', `The iPhone stopped answering during the restore. ${BACKUP_SAFE}`, { cause: error });
    return new BackupError('protocol', `The iPhone sent something the restore protocol does not allow, so the restore was stopped: ${error.message} ${BACKUP_SAFE}`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BackupError('io', `The restore failed on this computer: ${detail}. ${BACKUP_SAFE}`, { cause: error });
}

export function restoreCancelledError(): BackupError {
  return new BackupError('cancelled', `The restore was cancelled. ${BACKUP_SAFE} The iPhone may be only partly restored until you restore it again.`);
}
