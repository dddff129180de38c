import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { parentFolder, PRIVATE_FOLDER_MODE, type WholeFileWriter } from '../store';
import type { DriveContext, TreeEffect } from './drive-context';
import { settleWrites } from './background-work';
import { DL_STATUS, statusForError } from './status-codes';

/**
 * DLMessageMoveItems / DLMessageMoveFiles (protocol.md §3.6.7): replace each destination
 * (recursively), create its parent, rename; the first failure is the answer.
 *
 * A backup ends with one MoveItems per 128 uploaded files (`Snapshot/xx/<id>` → `xx/<id>`,
 * §7.2), so this is per-file work like the uploads. Every path is checked before anything moves:
 * folders once per run while only files move (ConfinedPaths.prepareParentFolders; any folder
 * moved or removed makes them checked afresh), the source itself with the one lstat that also
 * proves it exists, unless this run wrote it and nothing touched it since (ConfinedPaths.known:
 * then a missing file can only mean a failed write, and the rename reports it). The answer says
 * whether a folder moved or was removed, and the DL loop then invalidates that cache. When no path of the batch lies on another's way (the usual case), each move
 * is then one synchronous rename: a rename replaces a file or a link at the destination by
 * itself, so the destination is only removed first when it is a folder. Synchronous, because
 * one system call on this thread is far cheaper than a hand-off to libuv's pool per file.
 * Otherwise (chained or nested moves, Camera Roll rewrites) they run one by one, as written.
 */

interface ResolvedMove {
  readonly from: string;
  readonly to: string;
  /**
   * parentFolder(from) and parentFolder(to), made once per move: each folder check looks a string
   * up in a Set, and V8 hashes a string on its first lookup only, so asking again with the same
   * string is cheap where a new one (of ~100 characters) is hashed afresh. Three checks per move
   * made five new folder strings and hashed each (String::ComputeAndSetRawHash was the main
   * thread's biggest native cost in a many-small backup, `perf`, 2026-12-03).
   */
  readonly fromParent: string;
  readonly toParent: string;
  readonly fromDevice: string;
  readonly toDevice: string;
}

export async function moveItems(moves: ReadonlyArray<{ readonly from: string; readonly to: string }>, context: DriveContext): Promise<TreeEffect> {
  const { paths } = context;
  const { known } = paths;
  const resolved: ResolvedMove[] = [];
  for (const move of moves) {
    const from = paths.resolve(move.from);
    const to = paths.resolve(move.to);
    resolved.push({ from, to, fromParent: parentFolder(from), toParent: parentFolder(to), fromDevice: move.from, toDevice: move.to });
  }
  // Renames of an earlier request may still be running on the writer threads. Only moves of
  // this run's own files can be queued behind them (the writer orders those); anything else
  // looks at and renames files here, so it waits for them.
  let ownSources = sourcesWeWrote(resolved, known);
  // Settling may end in an invalidate() (a writer rename that removed a folder): ask again then.
  if (!ownSources.every(Boolean)) {
    await settleWrites(context);
    ownSources = sourcesWeWrote(resolved, known);
  }

  // Check everything before acting: a hostile path ends the run with nothing moved.
  const missing = new Map<string, NodeJS.ErrnoException>();
  let movesFolders = false;
  let awaited = false;
  for (const [index, move] of resolved.entries()) {
    // Usually both folders were checked already: no promise then (102k moves in a large backup).
    if (!known.hasFolder(move.fromParent)) {
      awaited = true;
      await paths.prepareParentFolders(move.from, move.fromDevice, { create: false });
    }
    if (!known.hasFolder(move.toParent)) {
      awaited = true;
      await paths.prepareParentFolders(move.to, move.toDevice, { create: false });
    }
    // A file this run created and nothing touched since is known to be a plain file already.
    // (Asked once per move: each question hashes the whole path, three per move were ~2 % of a
    // many-small backup's main thread.) After an await the answer is asked afresh.
    if (awaited ? known.isOwnFile(move.from) : ownSources[index]) continue;
    try {
      const source = fsSync.lstatSync(move.from);
      if (source.isSymbolicLink()) await paths.checkNoLinks(move.from, move.fromDevice);
      if (source.isDirectory()) movesFolders = true;
    } catch (error) {
      if (error instanceof BackupError) throw error;
      missing.set(move.from, error as NodeJS.ErrnoException);
    }
  }

  const simple = context.beforeMove === undefined && resolved.every((move) => !context.stats.discardedPaths.has(move.from)) && independent(resolved, paths.base);
  // Whatever ran during an await above may have invalidated the cache: ask again then.
  if (awaited) ownSources = sourcesWeWrote(resolved, known);
  if (simple && resolved.every((move, index) => move.from !== move.to && ownSources[index])) {
    await queueRenames(resolved, context, context.fileWriter);
    return 'kept';
  }
  let failure: unknown;
  // A folder moved or removed invalidates every folder checked before; files renamed over files
  // do not (moveFilesInOrder keeps the cache up to date for those).
  let effect: TreeEffect = 'changed';
  if (simple) {
    const outcome = await moveFilesInOrder(resolved, missing, context);
    failure = outcome.failure;
    if (!movesFolders && !outcome.removedFolders) effect = 'kept';
  } else {
    failure = await moveOneByOne(resolved, context);
  }
  if (failure instanceof BackupError) throw failure;
  if (failure !== undefined) {
    const status = statusForError(failure);
    await context.deviceLink.sendStatusResponse(status.code, status.description);
    return effect;
  }
  await context.deviceLink.sendStatusResponse(DL_STATUS.ok);
  return effect;
}

/** For each move, whether its source is a file this run wrote and nothing touched since (KnownTree). */
function sourcesWeWrote(resolved: readonly ResolvedMove[], known: DriveContext['paths']['known']): boolean[] {
  return resolved.map((move) => known.isOwnFile(move.from));
}

/** The plain order of §3.6.7, for moves that depend on each other. Returns the first failure. */
async function moveOneByOne(resolved: readonly ResolvedMove[], context: DriveContext): Promise<unknown> {
  try {
    for (const move of resolved) {
      // A discarded upload (Camera Roll off) was never written: its move has nothing to do.
      if (context.stats.discardedPaths.has(move.from)) {
        await fs.rm(move.to, { recursive: true, force: true });
        continue;
      }
      // Earlier moves of this batch may have changed the tree: check this one afresh (checkNoLinks
      // never uses the cache; the DL loop invalidates it after this request).
      await context.paths.checkNoLinks(move.from, move.fromDevice);
      await context.paths.checkNoLinks(path.dirname(move.to), move.toDevice);
      await context.beforeMove?.(move.fromDevice, move.toDevice);
      await fs.lstat(move.from);
      if (move.from === move.to) continue;
      await fs.rm(move.to, { recursive: true, force: true });
      await fs.mkdir(path.dirname(move.to), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      await fs.rename(move.from, move.to);
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Independent moves, in order, each a synchronous rename: one system call per file on this
 * thread costs far less than a hand-off to libuv's pool (the many-small benchmark), and the
 * folders on the way were checked above. Stops at the first failure, which is returned.
 */
async function moveFilesInOrder(resolved: readonly ResolvedMove[], missing: ReadonlyMap<string, NodeJS.ErrnoException>, context: DriveContext): Promise<{ failure: unknown; removedFolders: boolean }> {
  let removedFolders = false;
  for (const move of resolved) {
    try {
      const gone = missing.get(move.from);
      if (gone) throw gone;
      if (move.from === move.to) continue;
      await context.paths.prepareParentFolders(move.to, move.toDevice, { create: true });
      if (renameReplacing(move)) removedFolders = true;
      context.paths.known.fileRenamed(move.from, move.to);
    } catch (error) {
      return { failure: error, removedFolders };
    }
  }
  return { failure: undefined, removedFolders };
}

/**
 * Queued renames between two turns of the event loop at most: a device may name any number of
 * moves in one request, and the app's main process (where the engine runs) must keep answering
 * its window meanwhile (issue 16's event-loop row, p99 < 50 ms).
 */
const RENAMES_PER_SLICE = 1_000;

/**
 * The usual end of a backup, `Snapshot/xx/<id>` → `xx/<id>` for files this run wrote: the renames
 * are queued on the writer's thread and the device is answered at once, so the renames overlap
 * with the device preparing its next request instead of adding to it. The DL loop settles them
 * before any request that is not another move. Only files this run created qualify, so a rename
 * can fail only on a local error (I/O, a full disk), which ends the run like a failed write; the
 * answer here carries any failure already known. The writer's queue is bounded: when it is full
 * this waits for its thread (a million-file backup queued its million renames at once before).
 */
async function queueRenames(resolved: readonly ResolvedMove[], context: DriveContext, writer: WholeFileWriter): Promise<void> {
  let failure: unknown = writer.failure;
  let sinceYield = 0;
  try {
    for (const move of resolved) {
      if (failure !== undefined) break;
      if (!context.paths.known.hasFolder(move.toParent)) await context.paths.prepareParentFolders(move.to, move.toDevice, { create: true });
      const queued = writer.rename(move.from, move.to);
      context.paths.known.fileRenamed(move.from, move.to);
      if (queued !== undefined) {
        await queued;
        sinceYield = 0;
      } else if (++sinceYield >= RENAMES_PER_SLICE) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    failure = error;
  }
  failure ??= writer.failure;
  if (failure !== undefined) {
    const status = statusForError(failure);
    await context.deviceLink.sendStatusResponse(status.code, status.description);
    return;
  }
  await context.deviceLink.sendStatusResponse(DL_STATUS.ok);
}

/** Renames over the destination; returns true when a folder there had to be removed first (§3.6.7). */
function renameReplacing(move: ResolvedMove): boolean {
  try {
    fsSync.renameSync(move.from, move.to);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A folder (or a file where the source is a folder) at the destination: remove it, as §3.6.7 says.
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    fsSync.rmSync(move.to, { recursive: true, force: true });
    fsSync.renameSync(move.from, move.to);
    return true;
  }
}

/**
 * No path of the batch is another's path or lies inside another's (so the renames cannot interfere).
 * Per-file work at the end of every backup (one MoveItems per 128 files, §7.2). A path lies inside
 * another of the batch only if it has a separator right after that other's length, so only those
 * few lengths are looked at: the usual batch (`Snapshot/xx/<id>` → `xx/<id>`, two lengths) costs
 * two character reads per path and no new string. Batches of many different lengths (which only a
 * device's odd request makes) walk each path's folders up to `base` instead, remembering the
 * folders already found clear.
 */
export function independent(resolved: ReadonlyArray<{ readonly from: string; readonly to: string }>, base: string): boolean {
  const all = new Set<string>();
  const lengths = new Set<number>();
  for (const move of resolved) {
    if (all.has(move.from)) return false;
    all.add(move.from);
    if (all.has(move.to)) return false;
    all.add(move.to);
    // Only folders below `base` count, as in the walk below.
    if (move.from.length > base.length) lengths.add(move.from.length);
    if (move.to.length > base.length) lengths.add(move.to.length);
  }
  if (lengths.size > MAX_LENGTHS_LOOKED_AT) return noneInsideAnother(all, base);
  const cuts = [...lengths];
  for (const item of all) {
    for (const cut of cuts) {
      if (cut < item.length && isSeparator(item.charCodeAt(cut)) && all.has(item.slice(0, cut))) return false;
    }
  }
  return true;
}

/** Beyond this many path lengths in one batch, `independent` walks the folders instead (bounded work per path either way). */
const MAX_LENGTHS_LOOKED_AT = 16;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/** What path.dirname cuts at: `/`, and on Windows `\\` too. */
function isSeparator(code: number): boolean {
  return code === SLASH || (path.sep === '\\' && code === BACKSLASH);
}

/** The walk: whether no path of `all` lies inside another of it (folders up to `base`, each walked once). */
function noneInsideAnother(all: ReadonlySet<string>, base: string): boolean {
  const clearFolders = new Set<string>();
  for (const item of all) {
    let parent = path.dirname(item);
    while (parent.length > base.length && !clearFolders.has(parent)) {
      if (all.has(parent)) return false;
      clearFolders.add(parent);
      const up = path.dirname(parent);
      if (up === parent) break;
      parent = up;
    }
  }
  return true;
}
