import readline from 'node:readline';
import { formatBytes } from '../../../shared/format';
import { type CliIo, checkFlags, type ParsedArgs, processIo, UsageError } from '../cli-io';
import { backupRootOf, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';
import { jsonLine } from '../progress-json';
import { findBackup } from './backups-command';

/**
 * `lifeboat delete BACKUP`: removes one backup (a snapshot, an archive or a device's current
 * backup, with --with-snapshots also its older snapshots) from the backup root. Folders outside
 * the root are never deleted. Asks first on a terminal; scripts must say --yes.
 */
export async function deleteCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  checkFlags(args, ['yes', 'with-snapshots', 'backup-root', 'json']);
  const [reference, extra] = args.positional;
  if (reference === undefined) throw new UsageError('Name the backup to delete: a folder, an id from "lifeboat backups", or a UDID.');
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  const json = args.flags.get('json') === true;
  const confirmed = args.flags.get('yes') === true;
  const interactive = io === processIo && process.stdin.isTTY === true;
  if (!confirmed && !interactive) throw new UsageError('Deleting a backup cannot be undone: add --yes to confirm.');
  const root = backupRootOf(args, io);
  try {
    const { catalog, record } = await findBackup(reference, root);
    try {
      const withSnapshots = args.flags.get('with-snapshots') === true;
      if (!confirmed && !(await ask(`Delete ${record.path} (${formatBytes(record.reclaimableBytes)} freed)${withSnapshots ? ' and its earlier backups' : ''}? [y/N] `, signal))) {
        io.stderr('Nothing was deleted.\n');
        return ExitCode.cancelled;
      }
      await catalog.delete(record.id, { includeSnapshots: withSnapshots });
      if (json) io.stdout(jsonLine('result', { deleted: record.path, id: record.id, freedBytes: record.reclaimableBytes }));
      else io.stdout(`Deleted ${record.path} (about ${formatBytes(record.reclaimableBytes)} freed).\n`);
      return ExitCode.ok;
    } finally {
      catalog.close();
    }
  } catch (error) {
    return reportFailure(io, error, json);
  }
}

function ask(question: string, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const reader = readline.createInterface({ input: process.stdin, output: process.stderr });
    const onAbort = (): void => reader.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    let answered = false;
    reader.question(question, (answer) => {
      answered = true;
      reader.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
    reader.once('close', () => {
      signal?.removeEventListener('abort', onAbort);
      if (!answered) resolve(false);
    });
  });
}
