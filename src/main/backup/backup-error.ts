/**
 * The one error type of the backup layer (store, engine, crypto, catalog).
 * `code` is for programs (the CLI maps it to an exit code, the app to a screen);
 * `message` is a sentence a person understands and can act on.
 */
export type BackupErrorCode =
  | 'no-device'
  | 'device-error'
  | 'protocol'
  | 'hostile-path'
  | 'disk-full'
  | 'io'
  | 'cancelled'
  | 'disconnected'
  /** The phone stopped sending anything for the idle time-out (engine/idle-timeout.ts). */
  | 'timeout'
  | 'device-locked'
  | 'wrong-password'
  | 'password-required'
  | 'busy'
  | 'not-found'
  | 'corrupt'
  | 'unsupported';

export class BackupError extends Error {
  readonly code: BackupErrorCode;
  /** The technical part (the phone's error code and description), kept out of `message` for support. */
  readonly detail: string | undefined;

  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown; detail?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackupError';
    this.code = code;
    this.detail = options?.detail;
  }
}

export function isBackupError(value: unknown, code?: BackupErrorCode): value is BackupError {
  return value instanceof BackupError && (code === undefined || value.code === code);
}
