import { BackupError } from '../backup-error';

/**
 * The phone's final ErrorCode (MBErrorDomain, protocol.md §3.9) as a BackupError a person can act
 * on. The device's own description is kept at the end for support.
 */
export function errorForDeviceCode(code: number, description: string | undefined): BackupError {
  const detail = description ? ` (iPhone: ${description})` : ` (error ${code})`;
  switch (code) {
    case 105:
      return new BackupError('disk-full', `The iPhone found too little free space on this computer for the backup${detail}. Free some space and try again.`);
    case 106:
      return new BackupError('device-error', `The iPhone does not have enough free space${detail}.`);
    case 202:
      return new BackupError('cancelled', `The backup was cancelled${detail}. The previous backup is unchanged.`);
    case 207:
      return new BackupError('wrong-password', `The iPhone refused the backup password or its encryption settings${detail}.`);
    case 208:
      return new BackupError('device-locked', `The iPhone is locked. Unlock it (enter the passcode when asked) and try again${detail}.`);
    case 212:
      return new BackupError('device-error', `The iPhone cannot be backed up until its setup is finished${detail}.`);
    case 25:
      return new BackupError('busy', `The iPhone is restoring from iCloud and cannot be backed up right now${detail}.`);
    default:
      return new BackupError('device-error', `The iPhone stopped the backup with an error${detail}. The previous backup is unchanged.`);
  }
}
