import type { AppErrorCode } from '../../shared/app-error';
import { BackupError } from '../backup/backup-error';
import { toAppError } from '../core/error-mapping';
import { DeviceError, LockdownError, MuxError } from '../device/errors';
import { ExitCode } from './exit-codes';

/**
 * Exit codes from the app's error codes: the CLI reads a failure through the same table the app
 * and the web bridge use (core's toAppError), so a failure means the same thing everywhere.
 */
const EXIT_CODE_OF: { readonly [Code in AppErrorCode]: ExitCode } = {
  'no-device': ExitCode.noDevice,
  'device-disconnected': ExitCode.disconnected,
  'device-locked': ExitCode.locked,
  'not-trusted': ExitCode.notTrusted,
  'pairing-pending': ExitCode.notTrusted,
  'pairing-denied': ExitCode.notTrusted,
  'wrong-password': ExitCode.wrongPassword,
  'password-required': ExitCode.wrongPassword,
  'disk-full': ExitCode.diskFull,
  'device-full': ExitCode.deviceError,
  busy: ExitCode.busy,
  cancelled: ExitCode.cancelled,
  'not-found': ExitCode.backupNotFound,
  'corrupt-backup': ExitCode.backupDamaged,
  'invalid-argument': ExitCode.usage,
  unsupported: ExitCode.deviceError,
  protocol: ExitCode.deviceError,
  io: ExitCode.localIoError,
  'disconnected-bridge': ExitCode.deviceError,
  unknown: ExitCode.deviceError,
};

/**
 * Two promises of the exit codes that the app's codes do not tell apart (the app shows both as
 * "disconnected" or "unexpected answer", with the layer's own sentence): usbmuxd not running (5)
 * and nobody answering in time (6).
 */
function finerExitCode(error: unknown): ExitCode | undefined {
  if (error instanceof MuxError && error.code === 'DaemonUnreachable') return ExitCode.daemonUnreachable;
  if (error instanceof MuxError && error.code === 'Timeout') return ExitCode.timeout;
  if (error instanceof LockdownError && (error.code === 'Timeout' || error.code === 'PairingTimeout')) return ExitCode.timeout;
  if (error instanceof BackupError && error.code === 'timeout') return ExitCode.timeout;
  return undefined;
}

/** Which exit code a failure deserves. */
export function exitCodeFor(error: unknown): ExitCode {
  // "No iPhone" caused by the device layer says more precisely why: daemon down (5), not trusted (3), locked (4).
  if (error instanceof BackupError && error.code === 'no-device' && error.cause instanceof DeviceError) {
    const precise = exitCodeFor(error.cause);
    return precise === ExitCode.deviceError ? ExitCode.noDevice : precise;
  }
  return finerExitCode(error) ?? EXIT_CODE_OF[toAppError(error).code];
}
