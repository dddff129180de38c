import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { LIFEBOAT_DIR, isSafeUdid, storeLayout } from '../store/store-layout';
import { MAX_METADATA_FILE_BYTES, readRegularFile } from '../store/backup-content';
import { PRIVATE_FILE_MODE, tightenMode } from '../store/private-modes';
import { completeBackupFolder, handDownToOlder, removeSnapshotView } from '../store/snapshot-chain';
import { snapshotsFolder } from './backup-discovery';
import { SIDECAR_FILE, type BackupRecord, type LifeboatSidecar } from './catalog-model';

/**
 * The two operations that change the disk: delete a backup folder and archive one (Finder's
 * "Archive"). Both stay inside the backup root: they check where a folder really is, and never
 * follow a symbolic link.
 */

/** The folder of `record` if it is one Lifeboat may delete: `<root>/<name>` or a snapshot. */
async function deletableFolder(record: BackupRecord, realRoot: string): Promise<string> {
  if (record.location === 'extra') {
    throw new BackupError('unsupported', 'This backup is in a folder you added to the history, which Lifeboat only reads; delete it there if you no longer want it.');
  }
  const parent = path.dirname(record.path);
  const inside = record.location === 'root' ? parent === realRoot : path.dirname(parent) === snapshotsFolder(realRoot);
  if (!inside) throw new BackupError('hostile-path', `Lifeboat will not delete ${record.path}: it is not a backup inside ${realRoot}.`);
  let stat;
  try {
    stat = await fs.lstat(record.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupError('not-found', `The backup folder ${record.path} is already gone.`);
    throw error;
  }
  if (!stat.isDirectory()) throw new BackupError('hostile-path', `Lifeboat will not delete ${record.path}: it is a link or a file, not a backup folder.`);
  // The parent chain must be real too: a symlinked parent would lead the removal elsewhere.
  if ((await fs.realpath(record.path)) !== record.path) {
    throw new BackupError('hostile-path', `Lifeboat will not delete ${record.path}: part of its path is a link.`);
  }
  return record.path;
}

/** Removes a tree entry by entry: links are unlinked, never followed. */
async function removeTree(target: string): Promise<void> {
  const stat = await fs.lstat(target).catch(() => undefined);
  if (!stat) return;
  if (stat.isDirectory()) {
    for (const name of await fs.readdir(target)) await removeTree(path.join(target, name));
    await fs.rmdir(target);
  } else {
    await fs.unlink(target);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The store's per-device run lock (`<root>/.lifeboat/locks/<UDID>.lock`, holding the owner's pid). */
async function refuseWhileBackupRuns(realRoot: string, udid: string): Promise<void> {
  if (!isSafeUdid(udid)) return;
  const owner = Number.parseInt(await fs.readFile(storeLayout(realRoot).runLock(udid), 'utf8').catch(() => ''), 10);
  if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
    throw new BackupError('busy', 'A backup of this iPhone is running right now; delete this backup after it has finished.');
  }
}

export async function deleteBackupFolder(record: BackupRecord, realRoot: string): Promise<void> {
  const folder = await deletableFolder(record, realRoot);
  const udid = record.snapshotOf ?? path.basename(folder);
  await refuseWhileBackupRuns(realRoot, udid);
  // Older reverse-delta snapshots may read through this backup: they take what they need first.
  const inChain = isSafeUdid(udid) && (record.location === 'snapshot' || folder === storeLayout(realRoot).current(udid));
  if (inChain) await handDownToOlder(realRoot, udid, folder);
  if (inChain && record.location === 'snapshot') await removeSnapshotView(realRoot, udid, path.basename(folder));
  // Move it out of sight first, so a half-deleted backup never looks like a backup.
  const doomed = path.join(path.dirname(folder), `.lifeboat-deleting-${crypto.randomBytes(6).toString('hex')}`);
  await fs.rename(folder, doomed);
  await removeTree(doomed);
}

/** `yyyyMMdd-HHmmss` in UTC, the suffix of Finder's archives and restore copies (§5.1, §7.3). */
function archiveSuffix(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

const LINK_FALLBACK_CODES = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EACCES']);

/**
 * Copies `source` to `target`: content files in subfolders are hard-linked (free, and safe because
 * new content always arrives as a new file renamed into place — Lifeboat's store and the device's
 * Snapshot moves alike), the plists and Manifest.db at the top are copied because hosts rewrite
 * Info.plist in place. Falls back to copying when links are impossible (another disk), and copies
 * everything when `linkContent` is false. The transient `Snapshot/` of an unfinished run is left out.
 */
async function copyTree(source: string, target: string, top: boolean, linkContent: boolean): Promise<void> {
  await fs.mkdir(target, { mode: 0o700 });
  for (const entry of await fs.readdir(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) {
      if (top && entry.name === 'Snapshot') continue;
      await copyTree(from, to, false, linkContent);
    } else if (entry.isFile()) {
      if (top || !linkContent) {
        await copyPrivately(from, to);
        continue;
      }
      try {
        await fs.link(from, to);
      } catch (error) {
        if (!LINK_FALLBACK_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        await copyPrivately(from, to);
        continue;
      }
      // Shared with the source: tightening it makes both private, which a backup should be.
      await tightenMode(to, (await fs.lstat(to)).mode, PRIVATE_FILE_MODE);
    }
    // Symbolic links and special files are not part of a backup (§5.1) and are not followed.
  }
}

/** A copy keeps the source's mode (0644 in another tool's backup): an archive is private like every backup. */
async function copyPrivately(from: string, to: string): Promise<void> {
  await fs.copyFile(from, to);
  await fs.chmod(to, PRIVATE_FILE_MODE);
}

async function readSidecar(folder: string): Promise<LifeboatSidecar> {
  try {
    const value: unknown = JSON.parse((await readRegularFile(path.join(folder, SIDECAR_FILE), MAX_METADATA_FILE_BYTES)).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as LifeboatSidecar) : {};
  } catch {
    return {};
  }
}

/** Makes `<root>/<UDID>-yyyyMMdd-HHmmss` from `record`; returns its path. */
export async function archiveBackupFolder(record: BackupRecord, realRoot: string, now = new Date()): Promise<string> {
  if (record.archived) throw new BackupError('unsupported', 'This backup is already an archive; later backups never replace it.');
  if (!isSafeUdid(record.udid)) {
    throw new BackupError('unsupported', `This backup's device identifier (${record.udid}) cannot be used as a folder name, so it cannot be archived.`);
  }
  const date = record.createdAt ? new Date(record.createdAt) : now;
  const target = path.join(realRoot, `${record.udid}-${archiveSuffix(date)}`);
  if (await fs.lstat(target).catch(() => undefined)) {
    throw new BackupError('unsupported', `An archive of this backup already exists at ${target}.`);
  }
  // Build beside the root's bookkeeping, then rename: an archive appears whole or not at all.
  const staging = path.join(realRoot, LIFEBOAT_DIR, `archiving-${crypto.randomBytes(6).toString('hex')}`);
  await fs.mkdir(path.dirname(staging), { recursive: true, mode: 0o700 });
  try {
    // Added folders are only read: not even a new link to their files (it would change their inodes).
    // A reverse-delta snapshot is copied as the whole backup it stands for.
    await copyTree(await completeBackupFolder(record.path, realRoot), staging, true, record.location !== 'extra');
    const sidecar: LifeboatSidecar = { ...(await readSidecar(record.path)), archivedFrom: record.path, archivedAt: now.toISOString() };
    await fs.writeFile(path.join(staging, SIDECAR_FILE), `${JSON.stringify(sidecar, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
    await fs.rename(staging, target);
  } catch (error) {
    await removeTree(staging).catch(() => undefined);
    throw error;
  }
  return target;
}
