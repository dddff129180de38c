import { AppErrorException } from '../../shared/app-error';
import { BackupError } from '../backup/backup-error';
import { resolveBackupRoot } from '../backup/engine';
import { DeviceError } from '../device/errors';
import { UsbmuxClient } from '../device/usbmux';
import { type CliIo, type ParsedArgs, stringFlag, UsageError } from './cli-io';
import { ExitCode } from './exit-codes';
import { exitCodeFor } from './failure-exit-code';
import { PasswordInputError } from './password-input';
import { jsonLine } from './progress-json';

/**
 * What the backup-related commands (backup, backups, verify, delete, encryption) share: the
 * backup root, choosing the phone, and turning a failure into a sentence, a JSON line and an exit code.
 */

/** `--backup-root DIR`, else LIFEBOAT_BACKUP_ROOT of the command's environment, else the platform default. */
export function backupRootOf(args: ParsedArgs, io: CliIo): string {
  const option = stringFlag(args, 'backup-root');
  if (option === '') throw new UsageError('--backup-root needs a folder.');
  return resolveBackupRoot(option, io.env);
}

export function muxAddressOf(io: CliIo): string | undefined {
  return io.env['USBMUXD_SOCKET_ADDRESS'];
}

/** The --udid, or the only connected phone; several phones without --udid is a usage error (which one would be a guess). */
export async function chooseUdid(args: ParsedArgs, io: CliIo): Promise<string | undefined> {
  const udid = stringFlag(args, 'udid');
  if (udid !== undefined) return udid;
  const udids = new Set((await new UsbmuxClient({ address: muxAddressOf(io), timeoutMs: 30_000 }).listDevices()).map((device) => device.udid));
  if (udids.size > 1) throw new UsageError(`${udids.size} iPhones are connected; choose one with --udid (see "lifeboat devices").`);
  // None: the engine then says in its own words that no iPhone is connected.
  return [...udids][0];
}

/** Passwords never come from argv; say how instead of "unknown option". */
export function refusePasswordArgument(args: ParsedArgs): void {
  if (args.flags.has('password')) {
    throw new UsageError('Passwords are never taken on the command line (other users could read them). Use --password-stdin, or run in a terminal to be asked.');
  }
}

/**
 * The exit code for an expected failure, after telling the person (stderr) and, with --json, the
 * script (one `{"type":"error"}` line). Anything unexpected is rethrown for runCli's handler.
 */
export function reportFailure(io: CliIo, error: unknown, json: boolean): number {
  let code: number;
  let kind: string;
  if (error instanceof PasswordInputError) {
    code = error.cancelled ? ExitCode.cancelled : ExitCode.wrongPassword;
    kind = error.cancelled ? 'cancelled' : 'password-required';
  } else if (error instanceof BackupError) {
    code = exitCodeFor(error);
    kind = error.code;
  } else if (error instanceof DeviceError) {
    code = exitCodeFor(error);
    kind = 'device-error';
  } else if (error instanceof AppErrorException) {
    // From the core the CLI's jobs run through (a password prompt given up): already the app's code.
    code = exitCodeFor(error);
    kind = error.error.code;
  } else {
    throw error;
  }
  const message = (error as Error).message;
  // The phone's own code and words (MBErrorDomain/…) stay out of the sentence but not out of the terminal.
  const detail = error instanceof BackupError ? error.detail : undefined;
  if (json) io.stdout(jsonLine('error', { code: kind, exitCode: code, message, ...(detail ? { detail } : {}) }));
  io.stderr(`lifeboat: ${message}\n${detail ? `  Details: ${detail}\n` : ''}`);
  return code;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
