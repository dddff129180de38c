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
  | 'device-locked'
  | 'wrong-password'
  | 'password-required'
  | 'busy'
  | 'not-found'
  | 'corrupt'
  | 'unsupported';

export class BackupError extends Error {
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
    this.code = code;
  }
}

export function isBackupError(value: unknown, code?: BackupErrorCode): value is BackupError {
  return value instanceof BackupError && (code === undefined || value.code === code);
}
