import fs from 'node:fs';
import path from 'node:path';
import { LIFEBOAT_DIR } from '../store/store-layout';
import type { BackupLocation } from './catalog-model';

/**
 * Finds backup folders: `<root>/<name>` (Lifeboat's own, Finder/iTunes, idevicebackup2, archives),
 * Lifeboat's snapshots under `<root>/.lifeboat/snapshots/<UDID>/<ts>`, and added folders (each is
 * a backup itself, or holds backups one level down). Symbolic links are never followed out of a
 * folder we scan; the added folders themselves are resolved once, since the person chose them.
 */

export interface BackupCandidate {
  /** Real path (symlinks resolved), which also makes the catalog id stable. */
  readonly path: string;
  readonly location: BackupLocation;
  readonly snapshotOf?: string;
}

/** Any of these marks a folder as a backup (§5.1, §5.7). */
const BACKUP_MARKERS = ['Manifest.db', 'Manifest.plist', 'Info.plist', 'Status.plist', 'Manifest.mbdb'];

export function looksLikeBackup(folder: string): boolean {
  return BACKUP_MARKERS.some((name) => {
    try {
      return fs.lstatSync(path.join(folder, name)).isFile();
    } catch {
      return false;
    }
  });
}

/** Real subdirectories (not symlinks, not dot-folders) of `folder`; none if it cannot be read. */
function childFolders(folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => path.join(folder, entry.name))
    .sort();
}

function realPathOrUndefined(folder: string): string | undefined {
  try {
    return fs.realpathSync(folder);
  } catch {
    return undefined;
  }
}

export function snapshotsFolder(realRoot: string): string {
  return path.join(realRoot, LIFEBOAT_DIR, 'snapshots');
}

/** `root` undefined: the backup folder is not there or not answering, so only the added folders are looked at. */
export function discoverBackups(root: string | undefined, extraFolders: readonly string[]): BackupCandidate[] {
  const found = new Map<string, BackupCandidate>();
  const add = (candidate: BackupCandidate): void => {
    if (!found.has(candidate.path)) found.set(candidate.path, candidate);
  };
  const realRoot = root === undefined ? undefined : realPathOrUndefined(root);
  if (realRoot) {
    for (const folder of childFolders(realRoot)) if (looksLikeBackup(folder)) add({ path: folder, location: 'root' });
    for (const snapshot of snapshotFolders(realRoot)) add({ ...snapshot, location: 'snapshot' });
  }
  for (const extra of extraFolders) {
    const realExtra = realPathOrUndefined(path.resolve(extra));
    if (!realExtra) continue;
    if (looksLikeBackup(realExtra)) {
      add({ path: realExtra, location: 'extra' });
      continue;
    }
    for (const folder of childFolders(realExtra)) if (looksLikeBackup(folder)) add({ path: folder, location: 'extra' });
    // An old backup folder kept where it is (README "Folders are chosen, not typed") holds
    // Lifeboat's snapshots too; they are listed like the root's but stay read-only ('extra').
    for (const snapshot of snapshotFolders(realExtra)) add({ ...snapshot, location: 'extra' });
  }
  return [...found.values()];
}

/**
 * `<folder>/.lifeboat/snapshots/<UDID>/<id>` backups. `.lifeboat` and `snapshots` must be real
 * folders: a link there would make an added folder list backups from anywhere on the disk.
 */
function snapshotFolders(realFolder: string): { path: string; snapshotOf: string }[] {
  const internal = path.join(realFolder, LIFEBOAT_DIR);
  if (!isRealFolder(internal) || !isRealFolder(snapshotsFolder(realFolder))) return [];
  const snapshots: { path: string; snapshotOf: string }[] = [];
  for (const deviceFolder of childFolders(snapshotsFolder(realFolder))) {
    const udid = path.basename(deviceFolder);
    for (const folder of childFolders(deviceFolder)) if (looksLikeBackup(folder)) snapshots.push({ path: folder, snapshotOf: udid });
  }
  return snapshots;
}

function isRealFolder(folder: string): boolean {
  try {
    return fs.lstatSync(folder).isDirectory();
  } catch {
    return false;
  }
}
