import crypto from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { unusableBackupFolder } from './folder-sentences';
import { makePrivateFolder, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from './private-modes';
import { removeTree } from './remove-tree';
import { listSnapshots, snapshotsToPrune, type BackupSnapshot, type RetentionPolicy } from './snapshots';
import { LIFEBOAT_DIR } from './store-layout';
import { TEMP_PREFIX } from './store-fs';

/**
 * Reverse-delta snapshots (README "How snapshots work"). A snapshot folder holding this marker
 * keeps only what its backup had and the next newer backup does not: the files the newer run
 * replaced or removed, with the old Manifest.db, Manifest.plist, Status.plist and Info.plist.
 * Every other file of that backup is found in the next newer snapshot or, at the end of the chain,
 * in `<root>/<UDID>`. `added` lists the files the newer run added, which this backup did not have.
 * A snapshot folder without the marker (made before reverse deltas, or by a full backup) is a
 * complete backup on its own.
 */
export const DELTA_MARKER = '.lifeboat-delta.json';

export interface DeltaMarker {
  readonly version: 1;
  readonly added: readonly string[];
}

async function readDeltaMarker(folder: string): Promise<DeltaMarker | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(folder, DELTA_MARKER), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<DeltaMarker>;
    const added = Array.isArray(value.added) ? value.added.filter((item): item is string => typeof item === 'string' && isPlainRelative(item)) : [];
    return { version: 1, added };
  } catch {
    // A damaged marker must not make the chain look complete where it is not: treat it as empty.
    return { version: 1, added: [] };
  }
}

/** Where a snapshot folder sits: `<root>/.lifeboat/snapshots/<UDID>/<id>`; undefined for any other folder. */
export function snapshotPlace(folder: string): { root: string; udid: string; id: string } | undefined {
  const resolved = path.resolve(folder);
  const device = path.dirname(resolved);
  const snapshots = path.dirname(device);
  const internal = path.dirname(snapshots);
  if (path.basename(snapshots) !== 'snapshots' || path.basename(internal) !== LIFEBOAT_DIR) return undefined;
  return { root: path.dirname(internal), udid: path.basename(device), id: path.basename(resolved) };
}

/**
 * Every file of one backup of the chain, by relative path → the file that holds its content:
 * the live backup's files, then, walking back from newest to the wanted snapshot, each delta
 * taking away what its newer run added and laying its own files over the rest (a complete
 * snapshot replaces the whole map). Costs one walk of the live backup; used to materialise or
 * inspect an old snapshot, never by a backup run.
 */
export async function resolveSnapshotFiles(root: string, udid: string, id: string): Promise<Map<string, string>> {
  const chain = await listSnapshots(root, udid);
  const target = chain.findIndex((snapshot) => snapshot.id === id);
  if (target < 0) throw new Error(`No snapshot ${id} of ${udid}.`);
  let files = new Map<string, string>();
  for (const snapshot of chain.slice(0, target + 1)) {
    const marker = snapshot.isCurrent ? undefined : await readDeltaMarker(snapshot.path);
    if (marker === undefined) {
      files = await filesOf(snapshot.path);
      continue;
    }
    for (const added of marker.added) files.delete(added);
    for (const [relative, full] of await filesOf(snapshot.path)) files.set(relative, full);
  }
  return files;
}

/** Whether a folder is a reverse-delta snapshot (needs the chain to be read as a whole backup). */
export async function isDeltaSnapshot(folder: string): Promise<boolean> {
  return snapshotPlace(folder) !== undefined && (await readDeltaMarker(folder)) !== undefined;
}

/**
 * A folder that holds one whole backup for the readers that want a folder (restore, browse,
 * verify, export, archive): the folder itself when it is complete, else a materialised copy of
 * the snapshot. A snapshot's content never changes (files are renamed between folders, never
 * written), so the copy is made once and reused until its snapshot is deleted.
 *
 * `ownRoot` is Lifeboat's backup folder, the only one it may write in. A snapshot of that root is
 * materialised in `<root>/.lifeboat/views/<UDID>/<id>` as hard links (no content copied). A
 * snapshot found in an added folder (an old backup folder kept where it is) is read only: its
 * files are copied into `<ownRoot>/.lifeboat/views/added/<key>/<UDID>/<id>`, never linked, since a
 * link would change their inodes and nothing may be written there (README "Manage Backups").
 *
 * `ownRootMadeByBackup` says whether a new backup would make `ownRoot` if it went away: true for
 * the CLI (any --backup-root) and the app's default folder, false for a folder chosen in the app,
 * which is never made again (core/saved-backup-root.ts). Only the sentence for a missing one uses it.
 */
export async function completeBackupFolder(folder: string, ownRoot: string, options: { readonly ownRootMadeByBackup?: boolean } = {}): Promise<string> {
  const place = snapshotPlace(folder);
  if (place === undefined || (await readDeltaMarker(folder)) === undefined) return folder;
  // The copy goes in the backup folder, which is never made here: a missing one is usually a disk
  // that is not plugged in, and making it would put Lifeboat's files on the computer's own disk.
  const own = await fs.realpath(ownRoot).catch((error: unknown) => {
    throw unusableBackupFolder(ownRoot, error, {
      need: ', and reading this earlier backup needs a copy of it made there',
      otherwise: options.ownRootMadeByBackup === false ? 'otherwise choose another backup folder: Lifeboat does not make this one again.' : 'a new backup makes it.',
      another: 'choose another backup folder',
      after: ' Nothing was written.',
    });
  });
  const chainRoot = await realPathOr(place.root);
  const inOwnRoot = chainRoot === own;
  const view = inOwnRoot
    ? path.join(own, LIFEBOAT_DIR, 'views', place.udid, place.id)
    : path.join(own, LIFEBOAT_DIR, 'views', ADDED_VIEWS, addedFolderKey(chainRoot), place.udid, place.id);
  if (await exists(path.join(view, 'Status.plist'))) return view;
  const files = await resolveSnapshotFiles(place.root, place.udid, place.id);
  const building = `${view}${TEMP_PREFIX}${process.pid}`;
  await makePrivateFolder(path.dirname(view));
  await fs.rm(building, { recursive: true, force: true });
  for (const [relative, source] of files) {
    const target = path.join(building, relative);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_FOLDER_MODE });
    if (inOwnRoot) await fs.link(source, target);
    else await copyRegularFile(source, target);
  }
  await fs.rm(view, { recursive: true, force: true });
  await fs.rename(building, view);
  return view;
}

/** Views of added folders' snapshots live under `views/added/`, apart from the root's own `views/<UDID>`. */
const ADDED_VIEWS = 'added';

/** A folder name per added folder, so two added folders with the same phone's snapshots never share a view. */
function addedFolderKey(realFolder: string): string {
  return crypto.createHash('sha256').update(realFolder).digest('hex').slice(0, 16);
}

/**
 * Copies one file of an added folder without following a link planted in its place since it was
 * listed (O_NOFOLLOW, then a check that it is a regular file): the folder is untrusted input.
 */
async function copyRegularFile(source: string, target: string): Promise<void> {
  const input = await fs.open(source, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    if (!(await input.stat()).isFile()) throw new Error(`${source} is not a regular file.`);
    const output = await fs.open(target, 'wx', PRIVATE_FILE_MODE);
    try {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        await output.write(buffer, 0, bytesRead);
      }
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

async function realPathOr(folder: string): Promise<string> {
  return fs.realpath(folder).catch(() => path.resolve(folder));
}

/** Deletes a snapshot's materialised copy (when retention or a person deletes the snapshot). */
export async function removeSnapshotView(root: string, udid: string, id: string): Promise<void> {
  await fs.rm(path.join(root, LIFEBOAT_DIR, 'views', udid, id), { recursive: true, force: true });
}

/**
 * Deletes one snapshot without breaking the chain (handDownToOlder), then its folder and its
 * materialised copy.
 */
export async function deleteSnapshot(root: string, udid: string, snapshot: BackupSnapshot): Promise<void> {
  if (snapshot.isCurrent) throw new Error('The current backup is not a snapshot.');
  await handDownToOlder(root, udid, snapshot.path);
  await removeTree(snapshot.path);
  await removeSnapshotView(root, udid, snapshot.id);
}

/**
 * Prepares a backup of the chain (a snapshot, or `<root>/<UDID>` itself) for deletion. The next
 * older snapshot, if it is a delta, reads through this one: it first takes over (by rename) every
 * file of this one it does not have itself and that its own newer run did not add, and the
 * paths this one's newer run added; when this one was complete, the older one becomes complete
 * too. Costs a rename per file handed down; nothing when the older one is complete.
 */
export async function handDownToOlder(root: string, udid: string, folder: string): Promise<void> {
  const chain = await listSnapshots(root, udid);
  const index = chain.findIndex((candidate) => path.resolve(candidate.path) === path.resolve(folder));
  const older = index >= 0 ? chain[index + 1] : undefined;
  const olderMarker = older === undefined ? undefined : await readDeltaMarker(older.path);
  if (older === undefined || olderMarker === undefined) return;
  const marker = chain[index]?.isCurrent ? undefined : await readDeltaMarker(folder);
  const olderAdded = new Set(olderMarker.added);
  for (const [relative, full] of await filesOf(folder)) {
    if (olderAdded.has(relative)) continue;
    const target = path.join(older.path, relative);
    if (await exists(target)) continue;
    await fs.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_FOLDER_MODE });
    await fs.rename(full, target);
  }
  if (marker === undefined) {
    // This one was complete, so the older one now is: it no longer reads through the chain.
    await fs.rm(path.join(older.path, DELTA_MARKER), { force: true });
  } else {
    const merged: DeltaMarker = { version: 1, added: [...new Set([...olderMarker.added, ...marker.added])] };
    const file = path.join(older.path, DELTA_MARKER);
    await fs.writeFile(`${file}.tmp`, JSON.stringify(merged), { mode: 0o600 });
    await fs.rename(`${file}.tmp`, file);
  }
}

/**
 * Applies a retention policy; returns the ids removed. Newest first, each deleted snapshot handing
 * what older ones still need to its next older neighbour (deleteSnapshot), so every kept snapshot
 * stays a whole backup.
 */
export async function applyRetention(root: string, udid: string, policy: RetentionPolicy, now: Date = new Date()): Promise<string[]> {
  const prune = snapshotsToPrune(await listSnapshots(root, udid), policy, now).sort((a, b) => b.date.getTime() - a.date.getTime() || b.id.localeCompare(a.id));
  for (const snapshot of prune) await deleteSnapshot(root, udid, snapshot);
  return prune.map((snapshot) => snapshot.id);
}

/** Regular files of a folder by relative `/`-separated path, leaving out the marker and temporaries. */
async function filesOf(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string, relative: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX) || (relative === '' && entry.name === DELTA_MARKER)) continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), child);
      else if (entry.isFile()) files.set(child, path.join(dir, entry.name));
    }
  };
  await walk(folder, '');
  return files;
}

function isPlainRelative(value: string): boolean {
  return value.length > 0 && !value.startsWith('/') && !value.split('/').some((part) => part === '' || part === '.' || part === '..');
}

async function exists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch {
    return false;
  }
}

