import { BackupError } from '../backup-error';

/**
 * The phone's final ErrorCode (MBErrorDomain, protocol.md §3.9) as a BackupError a person can act
 * on. The device's own code and description travel in 'detail', for support.
 */
export function errorForDeviceCode(code: number, description: string | undefined, context: { readonly passcodeAsked?: boolean } = {}): BackupError {
  // The phone's code and words go behind "Details"; the sentence stays plain (issue 12).
  const options = { detail: deviceErrorDetail(code, description) };
  if (code === 208 && context.passcodeAsked) {
    // iOS 16.1+ asked for its passcode before the backup (§3.10): 208 then means Cancel or ~3 min without an answer.
    return new BackupError('device-locked', 'The backup did not start because the passcode was not entered on the iPhone: it was cancelled, or nobody typed it in time. Back up again and unlock the iPhone with its passcode when it asks. The previous backup is unchanged.', options);
  }
  switch (code) {
    case 105:
      return new BackupError('disk-full', 'The iPhone found too little free space on this computer for the backup. Free some space and try again.', options);
    case 106:
      return new BackupError('device-error', 'The iPhone does not have enough free space.', options);
    case 202:
      return new BackupError('cancelled', 'The backup was cancelled. The previous backup is unchanged.', options);
    case 207:
      return new BackupError('wrong-password', 'The iPhone refused the backup password or its encryption settings.', options);
    case 208:
      return new BackupError('device-locked', 'The iPhone is locked. Unlock it (enter the passcode when asked) and try again.', options);
    case 212:
      return new BackupError('device-error', 'The iPhone cannot be backed up until its setup is finished.', options);
    case 25:
      return new BackupError('busy', 'The iPhone is restoring from iCloud and cannot be backed up right now.', options);
    default:
      return new BackupError('device-error', 'The iPhone stopped the backup with an error. The previous backup is unchanged.', options);
  }
}

/** The phone's error as support would quote it: "MBErrorDomain/207: <its description>" (§3.9). */
export function deviceErrorDetail(code: number, description: string | undefined): string {
  return description ? `MBErrorDomain/${code}: ${description}` : `MBErrorDomain/${code}`;
}
