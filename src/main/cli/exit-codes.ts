import { BackupError } from '../backup/backup-error';
import { DeviceError, LockdownError, MuxError } from '../device/errors';

/** Exit codes of the `lifeboat` command, stable so scripts can rely on them (listed in the README). */
export const ExitCode = {
  ok: 0,
  usage: 1,
  noDevice: 2,
  notTrusted: 3,
  locked: 4,
  daemonUnreachable: 5,
  timeout: 6,
  deviceError: 7,
  /** The backup drive is full (or the phone says the computer has too little room). */
  diskFull: 8,
  /** The backup password is wrong, or one is needed and none was given. */
  wrongPassword: 9,
  /** A backup failed verification or cannot be read. */
  backupDamaged: 10,
  /** No backup matches what was named on the command line. */
  backupNotFound: 11,
  /** Another program is syncing with the phone. */
  busy: 12,
  /** The phone went away in the middle (cable pulled, reboot): trying again may work. */
  disconnected: 13,
  /** Reading or writing files on this computer failed. */
  localIoError: 14,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Which exit code a failure deserves. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof BackupError) return exitCodeForBackupError(error);
  if (error instanceof MuxError) {
    switch (error.code) {
      case 'DaemonUnreachable':
        return ExitCode.daemonUnreachable;
      case 'DeviceNotFound':
      case 'BadDevice':
        return ExitCode.noDevice;
      case 'Timeout':
        return ExitCode.timeout;
      default:
        return ExitCode.deviceError;
    }
  }
  if (error instanceof LockdownError) {
    switch (error.code) {
      case 'UserDeniedPairing':
      case 'NotPaired':
      case 'InvalidHostID':
      case 'MissingHostID':
      case 'InvalidPairRecord':
      case 'PairingDialogResponsePending':
        return ExitCode.notTrusted;
      case 'PasswordProtected':
      case 'EscrowLocked':
        return ExitCode.locked;
      case 'PairingTimeout':
      case 'Timeout':
        return ExitCode.timeout;
      case 'Aborted':
        return ExitCode.cancelled;
      default:
        return ExitCode.deviceError;
    }
  }
  if (error instanceof DeviceError) return ExitCode.deviceError;
  return ExitCode.deviceError;
}

/** The backup layer's error codes (src/main/backup/backup-error.ts) as exit codes. */
function exitCodeForBackupError(error: BackupError): ExitCode {
  switch (error.code) {
    case 'no-device':
      // The device layer's reason is more precise: daemon down (5), not trusted (3), locked (4).
      if (error.cause instanceof DeviceError) {
        const precise = exitCodeFor(error.cause);
        return precise === ExitCode.deviceError ? ExitCode.noDevice : precise;
      }
      return ExitCode.noDevice;
    case 'device-locked':
      return ExitCode.locked;
    case 'cancelled':
      return ExitCode.cancelled;
    case 'disk-full':
      return ExitCode.diskFull;
    case 'wrong-password':
    case 'password-required':
      return ExitCode.wrongPassword;
    case 'corrupt':
      return ExitCode.backupDamaged;
    case 'not-found':
      return ExitCode.backupNotFound;
    case 'busy':
      return ExitCode.busy;
    case 'disconnected':
      return ExitCode.disconnected;
    case 'timeout':
      return ExitCode.timeout;
    case 'io':
      return ExitCode.localIoError;
    default:
      return ExitCode.deviceError;
  }
}
