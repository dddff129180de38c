import fs from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../../../shared/format';
import { type BackupCatalog, type BackupRecord, openCatalog } from '../../backup/catalog';
import { defaultBackupRoot, unusableBackupFolder } from '../../backup/store';
import { resolveBackupReference } from '../../browser';
import { BackupError } from '../../backup/backup-error';
import { type CliIo, checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { backupRootOf, plural, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';

/**
 * `lifeboat backups`: the backup history under the root (current backups, snapshots, archives),
 * newest first, with size, file and photo counts and state. `--json` prints
 * `{backupRoot, totalBytes, backups: BackupRecord[]}` (src/main/backup/catalog/catalog-model.ts).
 */
export async function backupsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  checkFlags(args, ['udid', 'backup-root', 'json']);
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  const json = args.flags.get('json') === true;
  const udid = stringFlag(args, 'udid');
  const root = backupRootOf(args, io);
  try {
    // Only a backup makes the folder. The platform's default before the first backup simply holds
    // none yet; any other missing folder (a disk unplugged, a mistyped --backup-root) is said so,
    // and one that is there but cannot be opened (not allowed, a failing disk, a looping link) says why.
    const missing = rootProblem(root);
    if (missing !== undefined) {
      if (missing.code !== 'ENOENT' || root !== defaultBackupRoot(process.platform, io.env)) throw unusableBackupFolder(root, missing, ROOT_USE);
      io.stdout(json ? `${JSON.stringify({ backupRoot: root, totalBytes: 0, backups: [] }, null, 2)}\n` : `No backups${udid ? ` of ${udid}` : ''} in ${root} yet. Make one with "lifeboat backup".\n`);
      return ExitCode.ok;
    }
    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const filter = udid === undefined ? undefined : { udid };
      const backups = catalog.list(filter);
      const totalBytes = catalog.totalBytes(filter);
      if (json) {
        io.stdout(`${JSON.stringify({ backupRoot: catalog.root, totalBytes, backups }, null, 2)}\n`);
        return ExitCode.ok;
      }
      if (backups.length === 0) {
        io.stdout(`No backups${udid ? ` of ${udid}` : ''} in ${catalog.root}. Make one with "lifeboat backup".\n`);
        return ExitCode.ok;
      }
      for (const record of backups) io.stdout(describe(record, catalog.root));
      io.stdout(`${plural(backups.length, 'backup')}, ${formatBytes(totalBytes)} on disk (hard-linked files counted once) in ${catalog.root}\n`);
      return ExitCode.ok;
    } finally {
      catalog.close();
    }
  } catch (error) {
    return reportFailure(io, error, json);
  }
}

/** What the sentence for a backup root that cannot be opened says beside why: only `lifeboat backup` makes one. */
const ROOT_USE = {
  need: ', so its backups cannot be listed',
  otherwise: 'otherwise name another with --backup-root; "lifeboat backup" makes it with the first backup.',
  another: 'name another with --backup-root',
};

/** Why the root cannot be opened, from stat (existsSync is false for EACCES, ELOOP and EIO too), or undefined. */
function rootProblem(root: string): NodeJS.ErrnoException | undefined {
  try {
    fs.statSync(root);
    return undefined;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}

function kindOf(record: BackupRecord): string {
  if (record.location === 'snapshot') return 'earlier backup';
  if (record.location === 'extra') return 'added folder';
  return record.archived ? 'archive' : 'current';
}

function describe(record: BackupRecord, root: string): string {
  const name = record.deviceName ?? record.udid;
  const when = record.createdAt ? record.createdAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : 'date unknown';
  // The backup's size is what it holds; an older snapshot keeps on disk only what the next backup changed.
  const size = record.sizeBytes < record.contentBytes ? `${formatBytes(record.contentBytes)} (${formatBytes(record.sizeBytes)} on disk)` : formatBytes(record.contentBytes);
  const facts = [kindOf(record), size];
  if (record.fileCount !== undefined) facts.push(plural(record.fileCount, 'file'));
  if (record.photoCount !== undefined) facts.push(plural(record.photoCount, 'photo'));
  if (record.includesCameraRoll === false) facts.push('without Camera Roll');
  if (record.encrypted) facts.push('encrypted');
  const lines = [`${record.id}  ${name}  ${when}  ${record.status}`, `  ${facts.join(', ')}`, `  ${path.relative(root, record.path) || record.path}`];
  for (const problem of record.problems.slice(0, 3)) lines.push(`  ${problem.severity}: ${problem.message}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The catalog record the CLI's BACKUP argument names (a folder, an id or its prefix, a UDID). A
 * folder outside the root is opened as an added, read-only folder.
 */
export async function findBackup(reference: string, root: string): Promise<{ catalog: BackupCatalog; record: BackupRecord }> {
  const folder = fs.realpathSync(await resolveBackupReference(reference, { backupRoot: root }));
  // A root that does not exist (the platform default before the first backup, or a disk unplugged)
  // holds nothing: the folder is outside it, and the history is kept in memory. Only a backup makes the root.
  const realRoot = fs.existsSync(root) ? fs.realpathSync(root) : undefined;
  const inside = realRoot !== undefined && folder.startsWith(`${realRoot}${path.sep}`);
  let catalog: BackupCatalog;
  try {
    catalog = openCatalog(root, { ...(inside ? {} : { extraFolders: [folder] }), createRoot: false });
  } catch (error) {
    throw new BackupError('io', `The backup history in ${root} could not be opened (${(error as Error).message}); choose another place with --backup-root.`, { cause: error });
  }
  try {
    await catalog.refresh();
    const record = catalog.list().find((candidate) => candidate.path === folder);
    if (!record) throw new BackupError('not-found', `${folder} does not look like an iPhone backup (no Manifest, Info or Status plist).`);
    return { catalog, record };
  } catch (error) {
    catalog.close();
    throw error;
  }
}
