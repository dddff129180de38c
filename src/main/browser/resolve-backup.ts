import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup/backup-error';
import { openCatalog } from '../backup/catalog';
import { completeBackupFolder, resolveBackupRoot, unusableBackupFolder } from '../backup/store';

interface ResolveBackupOptions {
  /** Default: resolveBackupRoot() (LIFEBOAT_BACKUP_ROOT, then the platform default). */
  readonly backupRoot?: string;
  readonly extraFolders?: readonly string[];
}

/**
 * What the CLI's BACKUP argument names: an existing folder path as it is, else a catalog id
 * (or its unique prefix), else a UDID, meaning that phone's latest backup in the root.
 */
export async function resolveBackupFolder(reference: string, options: ResolveBackupOptions = {}): Promise<string> {
  // A reverse-delta snapshot is read as the whole backup it stands for (store/snapshot-chain.ts).
  return completeBackupFolder(await resolveBackupReference(reference, options), resolveBackupRoot(options.backupRoot));
}

/**
 * The folder the reference names as the catalog lists it: a reverse-delta snapshot stays its own
 * folder, not materialised. For commands that act on the backup as an entry of the history
 * (delete, verify through the catalog), where a materialised copy would be a different folder and
 * cost a hard link per file for nothing.
 */
export async function resolveBackupReference(reference: string, options: ResolveBackupOptions = {}): Promise<string> {
  const asPath = path.resolve(reference);
  if (fs.existsSync(asPath) && fs.statSync(asPath).isDirectory()) return asPath;
  // createRoot: false: naming a backup must not make a backup folder that went away (its disk
  // unplugged) again on this computer's own disk (issue 12); the history is then read in memory.
  const catalog = openCatalog(resolveBackupRoot(options.backupRoot), { extraFolders: options.extraFolders, createRoot: false });
  try {
    await catalog.refresh();
    const records = catalog.list();
    const byId = records.filter((record) => record.id === reference || record.id.startsWith(reference));
    if (byId.length === 1) return (byId[0] as (typeof byId)[number]).path;
    if (byId.length > 1) throw new BackupError('not-found', `More than one backup id starts with "${reference}"; give more of it (see "lifeboat browse --list").`);
    const latest = records.find((record) => record.udid === reference && record.location === 'root' && !record.archived) ?? records.find((record) => record.udid === reference);
    if (latest) return latest.path;
  } finally {
    catalog.close();
  }
  const root = resolveBackupRoot(options.backupRoot);
  // stat, not existsSync (false for EACCES, ELOOP, EIO too): a folder that is there but cannot be
  // opened is said so, not "is not there".
  try {
    fs.statSync(root);
  } catch (error) {
    throw unusableBackupFolder(root, error, {
      before: `"${reference}" is not a backup folder. `,
      need: ', so the history of the backups in it cannot be read',
      otherwise: 'otherwise name the backup by its folder.',
      another: 'name the backup by its folder',
    });
  }
  throw new BackupError('not-found', `"${reference}" is neither a backup folder nor a backup id or iPhone UDID in the history at ${root}.`);
}
