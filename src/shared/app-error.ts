/**
 * The errors the app shows (docs/architecture.md "Errors"): one code per situation a person can
 * act on, the sentence that explains it and the next step. Every layer's error (MuxError,
 * LockdownError, ServiceError, BackupError) is mapped onto one of these by the core, so the UI
 * switches on `code` and never parses messages.
 */
export const APP_ERROR_CODES = [
  'no-device',
  'device-disconnected',
  'device-locked',
  'not-trusted',
  'pairing-pending',
  'pairing-denied',
  'wrong-password',
  'password-required',
  'disk-full',
  'device-full',
  'busy',
  'cancelled',
  'not-found',
  'corrupt-backup',
  'invalid-argument',
  'unsupported',
  'protocol',
  'io',
  'disconnected-bridge',
  'unknown',
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** What travels to the renderer: never a stack, never a password. */
export interface AppError {
  readonly code: AppErrorCode;
  /** What happened, in one sentence. */
  readonly message: string;
  /** What the person can do about it. */
  readonly nextStep: string;
  /** The phone it concerns, when there is one. */
  readonly udid?: string;
  /**
   * The technical part (the phone's MBErrorDomain code, the protocol step that failed): for support,
   * shown only behind a "Details" disclosure so the sentence above stays plain.
   */
  readonly detail?: string;
}

/** The default sentence and next step per code; a layer's own, more precise message may replace `message`. */
export const APP_ERROR_TEXT: { readonly [Code in AppErrorCode]: { readonly message: string; readonly nextStep: string } } = {
  'no-device': { message: 'That iPhone is not connected.', nextStep: 'Plug the iPhone in with a cable and unlock it.' },
  'device-disconnected': { message: 'The iPhone was disconnected.', nextStep: 'Reconnect the cable and try again; nothing already saved was lost.' },
  'device-locked': { message: 'The iPhone is locked.', nextStep: 'Unlock the iPhone with its passcode, then try again.' },
  'not-trusted': { message: 'This computer is not trusted by the iPhone yet.', nextStep: 'Click "Trust this computer", then tap Trust on the iPhone and enter its passcode.' },
  'pairing-pending': { message: 'The iPhone is asking whether to trust this computer.', nextStep: 'Tap Trust on the iPhone and enter its passcode.' },
  'pairing-denied': { message: 'The iPhone refused to trust this computer.', nextStep: 'Unplug and replug the iPhone, then tap Trust when it asks.' },
  'wrong-password': { message: 'That backup password is not correct.', nextStep: 'Type the password you chose when you turned on encryption, and try again.' },
  'password-required': { message: 'This backup is encrypted and needs its password.', nextStep: 'Enter the backup password.' },
  'disk-full': { message: 'There is not enough free space on this computer for the backup.', nextStep: 'Free some space or choose another backup folder in Settings, then try again.' },
  'device-full': { message: 'There is not enough free space on the iPhone.', nextStep: 'Delete some apps or media on the iPhone, then try again.' },
  busy: { message: 'Something else is already running for this iPhone.', nextStep: 'Wait for it to finish, or cancel it, then try again.' },
  cancelled: { message: 'Cancelled.', nextStep: 'Start it again whenever you like.' },
  'not-found': { message: 'That item no longer exists.', nextStep: 'Refresh the list and try again.' },
  'corrupt-backup': { message: 'The backup is damaged or incomplete.', nextStep: 'Make a new backup; keep the damaged one if it is the only copy.' },
  'invalid-argument': { message: 'The request was not valid.', nextStep: 'Check what you entered and try again.' },
  unsupported: { message: 'That is not supported for this iPhone or backup.', nextStep: 'Update the app or the iPhone and try again.' },
  protocol: { message: 'The iPhone answered in a way the app did not expect.', nextStep: 'Unplug and replug the iPhone, then try again.' },
  io: { message: 'The app could not read or write a file on this computer.', nextStep: 'Check that the backup folder exists and is writable.' },
  'disconnected-bridge': { message: 'The window lost its connection to the app.', nextStep: 'Reload the page; if it persists, restart the app.' },
  unknown: { message: 'Something went wrong.', nextStep: 'Try again; if it keeps happening, restart the app.' },
};

/** An AppError with the default text for its code, optionally with a more precise message. */
export function appError(code: AppErrorCode, message?: string, udid?: string, detail?: string): AppError {
  const text = APP_ERROR_TEXT[code];
  return { code, message: message ?? text.message, nextStep: text.nextStep, ...(udid === undefined ? {} : { udid }), ...(detail ? { detail } : {}) };
}

/**
 * The error as one text to show: the message, then the next step unless the message already
 * gives it (layer messages often end with their own advice, e.g. "Unlock it and try again").
 */
export function describeAppError(error: AppError): string {
  const firstWord = /^[A-Za-z]+/.exec(error.nextStep)?.[0];
  const alreadySaid = firstWord !== undefined && new RegExp(`\\b${firstWord}\\b`, 'i').test(error.message);
  return alreadySaid ? error.message : `${error.message} ${error.nextStep}`;
}

export function isAppErrorCode(value: unknown): value is AppErrorCode {
  return typeof value === 'string' && (APP_ERROR_CODES as readonly string[]).includes(value);
}

/** A thrown AppError (the MainApi facade rejects with this, so `catch` sees the code and sentence). */
export class AppErrorException extends Error {
  readonly error: AppError;

  constructor(error: AppError) {
    super(error.message);
    this.name = 'AppErrorException';
    this.error = error;
  }
}

/** Exhaustiveness check for discriminated unions: a new member makes the compiler point here. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
