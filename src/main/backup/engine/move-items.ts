import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from '../backup-error';
import type { DriveContext } from './drive-context';
import { DL_STATUS, statusForError } from './status-codes';

/**
 * DLMessageMoveItems / DLMessageMoveFiles (protocol.md §3.6.7): replace each destination
 * (recursively), create its parent, rename; the first failure is the answer.
 *
 * A backup ends with one MoveItems per 128 uploaded files (`Snapshot/xx/<id>` → `xx/<id>`,
 * §7.2), so this is per-file work like the uploads. Every path is checked before anything moves:
 * folders once per request (ConfinedPaths.prepareParentFolders), the source itself with the one
 * lstat that also proves it exists. When no path of the batch lies on another's way (the usual
 * case), the renames then run side by side; a rename replaces a file or a link at the
 * destination by itself, so the destination is only removed first when it is a folder.
 * Otherwise (chained or nested moves, Camera Roll rewrites) they run one by one, as written.
 */

interface ResolvedMove {
  readonly from: string;
  readonly to: string;
  readonly fromDevice: string;
  readonly toDevice: string;
}

/** Renames in flight at once: enough to keep libuv's four threads busy. */
const PARALLEL_MOVES = 16;

export async function moveItems(moves: ReadonlyArray<{ readonly from: string; readonly to: string }>, context: DriveContext): Promise<void> {
  const { paths } = context;
  const resolved: ResolvedMove[] = [];
  for (const move of moves) resolved.push({ from: paths.resolve(move.from), to: paths.resolve(move.to), fromDevice: move.from, toDevice: move.to });

  // Check everything before acting: a hostile path ends the run with nothing moved.
  const missing = new Map<string, NodeJS.ErrnoException>();
  for (const move of resolved) {
    await paths.prepareParentFolders(move.from, move.fromDevice, { create: false });
    await paths.prepareParentFolders(move.to, move.toDevice, { create: false });
    try {
      if ((await fs.lstat(move.from)).isSymbolicLink()) await paths.checkNoLinks(move.from, move.fromDevice);
    } catch (error) {
      if (error instanceof BackupError) throw error;
      missing.set(move.from, error as NodeJS.ErrnoException);
    }
  }

  const simple = context.beforeMove === undefined && resolved.every((move) => !context.stats.discardedPaths.has(move.from)) && independent(resolved, paths.base);
  let failure: unknown;
  try {
    if (simple) failure = await moveSideBySide(resolved, missing, context);
    else failure = await moveOneByOne(resolved, context);
  } finally {
    // Folders may have moved: nothing checked before holds any more.
    paths.forgetCheckedFolders();
  }
  if (failure instanceof BackupError) throw failure;
  if (failure !== undefined) {
    const status = statusForError(failure);
    await context.deviceLink.sendStatusResponse(status.code, status.description);
    return;
  }
  await context.deviceLink.sendStatusResponse(DL_STATUS.ok);
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
      // Earlier moves of this batch may have changed the tree: check this one afresh.
      context.paths.forgetCheckedFolders();
      await context.paths.checkNoLinks(move.from, move.fromDevice);
      await context.paths.checkNoLinks(path.dirname(move.to), move.toDevice);
      await context.beforeMove?.(move.fromDevice, move.toDevice);
      await fs.lstat(move.from);
      if (move.from === move.to) continue;
      await fs.rm(move.to, { recursive: true, force: true });
      await fs.mkdir(path.dirname(move.to), { recursive: true });
      await fs.rename(move.from, move.to);
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Independent moves, PARALLEL_MOVES at a time. Returns the failure of the earliest move that failed. */
async function moveSideBySide(resolved: readonly ResolvedMove[], missing: ReadonlyMap<string, NodeJS.ErrnoException>, context: DriveContext): Promise<unknown> {
  const failures = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < resolved.length && failures.size === 0) {
      const index = next;
      next += 1;
      const move = resolved[index] as ResolvedMove;
      try {
        const gone = missing.get(move.from);
        if (gone) throw gone;
        if (move.from !== move.to) await renameReplacing(move, context);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_MOVES, resolved.length) }, worker));
  if (failures.size === 0) return undefined;
  return failures.get(Math.min(...failures.keys()));
}

async function renameReplacing(move: ResolvedMove, context: DriveContext): Promise<void> {
  await context.paths.prepareParentFolders(move.to, move.toDevice, { create: true });
  try {
    await fs.rename(move.from, move.to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A folder (or a file where the source is a folder) at the destination: remove it, as §3.6.7 says.
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    await fs.rm(move.to, { recursive: true, force: true });
    await fs.rename(move.from, move.to);
  }
}

/** No path of the batch is another's path or lies inside another's (so the renames cannot interfere). */
function independent(resolved: readonly ResolvedMove[], base: string): boolean {
  const all = new Set<string>();
  for (const move of resolved) {
    for (const item of [move.from, move.to]) {
      if (all.has(item)) return false;
      all.add(item);
    }
  }
  for (const item of all) {
    for (let parent = path.dirname(item); parent.length > base.length && parent !== path.dirname(parent); parent = path.dirname(parent)) {
      if (all.has(parent)) return false;
    }
  }
  return true;
}
