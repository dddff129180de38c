import { formatBytes } from '../../../shared/format';
import type { VerifyReport } from '../../backup/catalog';
import { type CliIo, checkFlags, type ParsedArgs, UsageError } from '../cli-io';
import { backupRootOf, plural, refusePasswordArgument, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';
import { readPasswords } from '../password-input';
import { jsonLine } from '../progress-json';
import { findBackup } from './backups-command';

/**
 * `lifeboat verify BACKUP`: checks that every file the backup's manifest lists is there with its
 * recorded size (encrypted backups need the password). Exit 0 when complete, 10 when not.
 * BACKUP is a folder, a backup id from "lifeboat backups" (or its start), or a UDID.
 */
export async function verifyCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  refusePasswordArgument(args);
  checkFlags(args, ['password-stdin', 'backup-root', 'json']);
  const [reference, extra] = args.positional;
  if (reference === undefined) throw new UsageError('Name the backup to verify: a folder, an id from "lifeboat backups", or a UDID.');
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
  const json = args.flags.get('json') === true;
  const root = backupRootOf(args, io);
  try {
    const { catalog, record } = await findBackup(reference, root);
    try {
      const password = record.encrypted
        ? (await readPasswords(io, { fromStdin: args.flags.get('password-stdin') === true, prompts: ['Backup password'], signal }))[0]
        : undefined;
      const report = await catalog.verify(record.id, { password, ...(signal ? { signal } : {}) });
      if (json) io.stdout(jsonLine('result', { path: record.path, ...report }));
      else io.stdout(describe(report, record.path, record.sizeBytes));
      return report.ok ? ExitCode.ok : ExitCode.backupDamaged;
    } finally {
      catalog.close();
    }
  } catch (error) {
    return reportFailure(io, error, json);
  }
}

function describe(report: VerifyReport, folder: string, sizeBytes: number): string {
  if (report.ok) return `Backup ${folder} is complete: ${plural(report.checkedFiles, 'file')} checked (${formatBytes(sizeBytes)}).\n`;
  const lines = [`Backup ${folder} has problems (${plural(report.checkedFiles, 'file')} checked):`];
  for (const problem of report.problems) lines.push(`  ${problem}`);
  const examples = [...report.missing.map((file) => ({ file, what: 'missing' })), ...report.wrongSize.map((file) => ({ file, what: `${file.actualBytes ?? '?'} bytes instead of ${file.expectedBytes}` }))];
  for (const { file, what } of examples.slice(0, 20)) lines.push(`  ${file.domain}/${file.relativePath} (${file.fileId}): ${what}`);
  if (examples.length > 20) lines.push(`  … and ${report.missingCount + report.wrongSizeCount - 20} more`);
  return `${lines.join('\n')}\n`;
}
