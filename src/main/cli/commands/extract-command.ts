import path from 'node:path';
import { formatBytes } from '../../../shared/format';
import { type BackupBrowser, extractFromBackup, openBackupBrowser, parseBackupPath } from '../../browser';
import { checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { type CliIoWithStdin, backupFolderFromArgs, passwordFromArgs, reportBackupError } from './backup-command-support';

/**
 * `lifeboat extract`: copies a file, a folder or a whole domain out of a backup into DIR, with the
 * files' modification times; decrypts an encrypted backup with the password from stdin. Files a
 * partial backup lacks are listed and make the exit code non-zero.
 */
export async function extractCommand(args: ParsedArgs, io: CliIoWithStdin, signal?: AbortSignal): Promise<number> {
  const [reference, target, ...extra] = args.positional;
  if (reference === undefined || target === undefined) throw new UsageError('Say what to extract: lifeboat extract BACKUP Domain/path --to DIR.');
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  checkFlags(args, ['to', 'password-stdin', 'json', 'backup-root']);
  const to = stringFlag(args, 'to');
  if (to === undefined || to === '') throw new UsageError('Choose the folder to extract into with --to DIR.');
  const json = args.flags.get('json') === true;
  let browser: BackupBrowser | undefined;
  try {
    const folder = await backupFolderFromArgs(reference, args, io);
    browser = await openBackupBrowser(folder, { password: await passwordFromArgs(args, io), ...(signal ? { signal } : {}) });
    const result = await extractFromBackup(browser, parseBackupPath(target), path.resolve(to), { signal });
    if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.stdout(`Extracted ${result.files} ${result.files === 1 ? 'file' : 'files'} (${formatBytes(result.bytes)}) to ${result.destination}.\n`);
      if (result.linksSkipped.length > 0) io.stdout(`${result.linksSkipped.length} symbolic links were not recreated.\n`);
    }
    for (const missing of result.missing) io.stderr(`lifeboat: ${missing} is listed in the backup but its content is not in the folder (the backup is incomplete).\n`);
    return result.missing.length > 0 ? ExitCode.deviceError : ExitCode.ok;
  } catch (error) {
    return reportBackupError(error, io, json);
  } finally {
    browser?.close();
  }
}
