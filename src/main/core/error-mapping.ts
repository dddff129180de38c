import type { ZodError } from 'zod';
import os from 'node:os';
import path from 'node:path';
import { BackupError } from '../backup/backup-error';
import { DeviceError } from '../device/errors';
import { type AppError, type AppErrorCode, AppErrorException, appError, isAppErrorCode } from '../../shared/app-error';

/** Lockdown and usbmux codes that mean something a person can fix (§2.2, §2.5.2). */
const DEVICE_CODES: Readonly<Record<string, AppErrorCode>> = {
  PasswordProtected: 'device-locked',
  EscrowLocked: 'device-locked',
  UserDeniedPairing: 'pairing-denied',
  PairingDialogResponsePending: 'pairing-pending',
  InvalidHostID: 'not-trusted',
  MissingHostID: 'not-trusted',
  NotPaired: 'not-trusted',
  InvalidPairRecord: 'not-trusted',
  MissingPairRecord: 'not-trusted',
  PairRecordNotFound: 'not-trusted',
  DeviceNotFound: 'no-device',
  BadDevice: 'no-device',
  ConnectionRefused: 'device-disconnected',
  ConnectionClosed: 'device-disconnected',
  DaemonUnreachable: 'device-disconnected',
  // Pairing given up because the person cancelled (Ctrl-C, the Cancel button): not a protocol fault.
  Aborted: 'cancelled',
  ProtocolError: 'protocol',
  InvalidResponse: 'protocol',
};

const BACKUP_CODES: Readonly<Record<BackupError['code'], AppErrorCode>> = {
  'no-device': 'no-device',
  'device-error': 'protocol',
  protocol: 'protocol',
  'hostile-path': 'protocol',
  'disk-full': 'disk-full',
  io: 'io',
  cancelled: 'cancelled',
  disconnected: 'device-disconnected',
  timeout: 'device-disconnected',
  'device-locked': 'device-locked',
  'wrong-password': 'wrong-password',
  'password-required': 'password-required',
  busy: 'busy',
  'not-found': 'not-found',
  corrupt: 'corrupt-backup',
  unsupported: 'unsupported',
};

/**
 * Turns anything thrown below the core into the AppError the UI shows. Layer errors keep their own
 * sentence (they were written for people); anything else gets the code's generic sentence so a
 * stack trace or an internal message never reaches the screen.
 */
/** The settings a person types, by their schema key, as the page names them (contract-schemas.ts). */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  backupRoot: 'the backup folder',
  keepLast: 'the number of older backups to keep',
  keepMonthly: 'the number of months of monthly backups to keep',
  destination: 'the destination folder',
};

/** Settings that name a folder: left empty, they get a sentence that says what to put there. */
const FOLDER_FIELDS: ReadonlySet<string> = new Set(['backupRoot', 'destination']);

export function toAppError(error: unknown, udid?: string): AppError {
  if (error instanceof AppErrorException) return error.error;
  if (isZodError(error)) {
    const issue = error.issues[0];
    const field = issue?.path.map(String).find((key) => key in FIELD_WORDS);
    // An emptied folder field (issue 12 saw "cannot use what was entered"): say what belongs there.
    if (field && FOLDER_FIELDS.has(field) && issue?.code === 'too_small') {
      const example = path.join(os.homedir(), 'Backups');
      // The next step is the whole advice, so the generic "Check what you entered" is not said after it.
      const empty = appError('invalid-argument', `${capitalize(FIELD_WORDS[field]!)} is empty.`, udid, issue.message);
      return { ...empty, nextStep: `Type a full path from the top of the disk, such as ${example}, or use Choose… to pick a folder.` };
    }
    // A person reads what they typed into ("the backup folder"), not the schema's key (`backupRoot`).
    const where = field ? ` for ${FIELD_WORDS[field]}` : issue?.path.length ? ` (${issue.path.join('.')})` : '';
    // zod's wording ("expected string to have >=1 characters") is for developers: behind Details.
    return appError('invalid-argument', `Lifeboat cannot use what was entered${where}.`, udid, issue?.message);
  }
  if (error instanceof BackupError) return appError(BACKUP_CODES[error.code] ?? 'unknown', error.message, udid, error.detail);
  if (error instanceof DeviceError) {
    const code = DEVICE_CODES[error.code];
    // A lockdown/usbmux failure without a meaning for people keeps its words for support only.
    return code && code !== 'protocol' ? appError(code, error.message, udid) : appError('protocol', undefined, udid, `${error.code}: ${error.message}`);
  }
  if (error instanceof Error && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (code === 'ENOSPC') return appError('disk-full', undefined, udid);
    if (code === 'ENOENT') return appError('not-found', undefined, udid);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return appError('io', undefined, udid);
    if (isAppErrorCode(code)) return appError(code, error.message, udid);
    // Other layers' errors (ServiceError, AfcError…) speak of protocol steps ("DeviceLink message"):
    // the sentence is the plain one, their words go behind "Details".
    if (error.name.endsWith('Error') && error.name !== 'Error') return appError('protocol', undefined, udid, `${error.name} ${String(code)}: ${error.message}`);
  }
  if (error instanceof Error && error.name === 'AbortError') return appError('cancelled', undefined, udid);
  return appError('unknown', undefined, udid);
}

/**
 * A contract argument that failed its zod schema. Told by its shape rather than `instanceof`, so
 * what only maps errors (the CLI's exit codes) does not load zod, ~0.5 s of a command's start on a
 * busy machine (issue 16: a CLI that starts at once); only core's argument parsing loads it.
 */
function isZodError(error: unknown): error is ZodError {
  return error instanceof Error && error.name === 'ZodError' && Array.isArray((error as { issues?: unknown }).issues);
}

/** Throws an AppError from core code: the adapters pass it through unchanged. */
export function fail(code: AppErrorCode, message?: string, udid?: string): never {
  throw new AppErrorException(appError(code, message, udid));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
