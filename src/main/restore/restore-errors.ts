import { ServiceError } from '../device/services';
import { BackupError } from '../backup/backup-error';
import { deviceErrorDetail } from '../backup/engine/device-errors';
import { idleTimeoutOf, stoppedRespondingError } from '../backup/engine/idle-timeout';

/** Every restore failure says what happened to the backup, because that is what a person fears for. */
const BACKUP_SAFE = 'The backup itself was not changed.';

export const FIND_MY_SENTENCE = 'Find My iPhone is on. Turn it off on the iPhone (Settings → your name → Find My → Find My iPhone), then start the restore again. Nothing was changed on the iPhone.';

/** The phone's final ErrorCode during a restore (MBErrorDomain, protocol.md §3.9) as a sentence. */
export function restoreErrorForDeviceCode(code: number, description: string | undefined): BackupError {
  // The phone's code and words go behind "Details"; the sentence stays plain (issue 12).
  const options = { detail: deviceErrorDetail(code, description) };
  switch (code) {
    case 211:
      return new BackupError('device-error', FIND_MY_SENTENCE, options);
    case 207:
      return new BackupError('wrong-password', `The iPhone refused the backup password. ${BACKUP_SAFE}`, options);
    case 203:
      return new BackupError('unsupported', `The iPhone cannot take this backup: it was made with a newer iOS or an unsupported format. Update the iPhone first. ${BACKUP_SAFE}`, options);
    case 106:
      return new BackupError('device-error', `The iPhone does not have enough free space for this backup. Free some space on it and try again. ${BACKUP_SAFE}`, options);
    case 208:
      return new BackupError('device-locked', `The iPhone is locked. Unlock it and try again. ${BACKUP_SAFE}`, options);
    case 202:
      return new BackupError('cancelled', `The restore was cancelled on the iPhone. ${BACKUP_SAFE}`, options);
    case 204:
    case 205:
      return new BackupError('corrupt', `The iPhone could not read this backup; it may be incomplete or damaged. Try an earlier backup. ${BACKUP_SAFE}`, options);
    default:
      return new BackupError('device-error', `The iPhone stopped the restore with an error. ${BACKUP_SAFE}`, options);
  }
}

/** A services-layer failure during the restore's DL loop as a BackupError with a sentence. */
export function asRestoreError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  if (error instanceof ServiceError) {
    if (error.code === 'connection-closed') {
      return new BackupError('disconnected', `The connection to the iPhone was lost during the restore (was the cable unplugged?). ${BACKUP_SAFE} Connect the iPhone and restore again: it may be incomplete until then.`, { cause: error });
    }
    if (error.code === 'timeout') return stoppedRespondingError('restore', idleTimeoutOf(error), `${BACKUP_SAFE} The iPhone may be only partly restored until you restore it again.`, error);
    return new BackupError('protocol', `The iPhone sent something the restore protocol does not allow, so the restore was stopped. ${BACKUP_SAFE}`, { cause: error, detail: error.message });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BackupError('io', `The restore failed on this computer. ${BACKUP_SAFE}`, { cause: error, detail });
}

export function restoreCancelledError(): BackupError {
  return new BackupError('cancelled', `The restore was cancelled. ${BACKUP_SAFE} The iPhone may be only partly restored until you restore it again.`);
}
