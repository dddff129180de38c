import { BackupError } from '../../backup/backup-error';
import { resolveBackupFolder } from '../../browser';
import type { CliIo, ParsedArgs } from '../cli-io';
import { stringFlag, UsageError } from '../cli-io';
import { exitCodeFor } from '../failure-exit-code';

/**
 * What the restore, browse and extract commands share: the password from stdin (never argv, so it
 * is not in the shell history or the process list), the BACKUP argument, and exit codes.
 */

/** A CliIo that can also hand over stdin (tests give it; the real process reads process.stdin). */
export type CliIoWithStdin = CliIo & { readonly readStdin?: () => Promise<string> };

async function readProcessStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts).toString('utf8');
}

/** `--password-stdin`: the first line of stdin, without its line ending. */
export async function passwordFromArgs(args: ParsedArgs, io: CliIoWithStdin): Promise<string | undefined> {
  if (args.flags.get('password-stdin') !== true) return undefined;
  const text = await (io.readStdin ?? readProcessStdin)();
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new UsageError('--password-stdin was given but stdin held no password.');
  return password;
}

/** BACKUP = a folder path, a catalog id (or its prefix) or a UDID (that phone's latest backup). */
export function backupFolderFromArgs(reference: string, args: ParsedArgs, io: CliIo): Promise<string> {
  return resolveBackupFolder(reference, { backupRoot: stringFlag(args, 'backup-root') ?? io.env['LIFEBOAT_BACKUP_ROOT'] });
}

/** Prints a BackupError's sentence (or the JSON of it) and returns its exit code; rethrows anything else. */
export function reportBackupError(error: unknown, io: CliIo, json: boolean): number {
  if (!(error instanceof BackupError)) throw error;
  if (json) io.stdout(`${JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2)}\n`);
  io.stderr(`lifeboat: ${error.message}\n`);
  return exitCodeFor(error);
}
