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
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Which exit code a failure deserves. */
export function exitCodeFor(error: unknown): ExitCode {
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
