import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { EventLoopTurns } from './event-loop-turns';
import { makePrivateFolder, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from './private-modes';
import { DELTA_MARKER, type DeltaMarker } from './snapshot-chain';
import { TEMP_PREFIX } from './store-fs';

/**
 * The commit of an incremental run under reverse deltas (README "How snapshots work"):
 * `<root>/<UDID>` (L) stays where it is; the files the phone wrote this run (in staging, S) move
 * into it, and only the files they replace or the phone removed move out of it, into the new
 * snapshot folder (D), which so holds exactly what the previous backup had and the new one does
 * not. Cost: two renames per changed file, nothing per unchanged file.
 *
 * The plan is fixed before the first rename and written into the journal (commit-journal.ts), so
 * a crash at any point is finished from it. Every step is a rename whose state can be read back
 * from the disk, which makes both directions idempotent:
 * - remove `p`:   L/p → D/p             done when L/p is gone
 * - add `p`:      [L/p → D/p if it replaces a file] then S/p → L/p     done when S/p is gone
 * Forward is possible while every add still has its file (in S, or already in L); a disk that
 * lost staged files makes it impossible, and the rollback then moves every D/p back to L/p and
 * the new files back to S, so L is the previous backup again.
 */
export interface DeltaPlan {
  /** Paths (`/`-separated, relative to the backup folder) whose previous-backup files move into the snapshot. */
  readonly removes: readonly string[];
  /** Paths staging holds, with whether they replace a previous-backup file. */
  readonly adds: ReadonlyArray<{ readonly path: string; readonly replaces: boolean }>;
  /** Folders of staging the previous backup lacks, parents first: made by the commit, removed again by a rollback. */
  readonly newFolders: readonly string[];
}

/** Called before each rename with its number (1, 2, …): crash tests stop the commit there. */
export type CommitStepHook = (step: number) => void | Promise<void>;

/**
 * Works out the plan from staging and what the phone removed. A removed folder of the previous
 * backup stands for every file below it; a path the phone removed and then wrote again is an add.
 */
export async function planDeltaCommit(live: string, staging: string, removed: readonly string[]): Promise<DeltaPlan> {
  const turns = new EventLoopTurns();
  const stagedFolders: string[] = [];
  // Sorted, so the order of the renames (and of a crash test's steps) does not depend on readdir.
  const staged = (await listFiles(staging, '', stagedFolders, turns)).sort();
  await refuseLinkedFolders(live, [...staged, ...removed], turns);
  const newFolders: string[] = [];
  for (const folder of stagedFolders) {
    if (!exists(path.join(live, folder))) newFolders.push(folder);
    await turns.step();
  }
  const stagedSet = new Set(staged);
  const removes = new Set<string>();
  for (const relative of removed) {
    for (const file of await listFiles(path.join(live, relative), relative, [], turns)) if (!stagedSet.has(file)) removes.add(file);
  }
  const adds: Array<{ path: string; replaces: boolean }> = [];
  for (const file of staged) {
    const stat = lstatOrUndefined(path.join(live, file));
    if (stat?.isDirectory()) {
      throw new BackupError('io', `The new backup has a file where the previous backup has a folder (${file}), so it was not kept. The previous backup is unchanged.`);
    }
    adds.push({ path: file, replaces: stat?.isFile() === true || stat?.isSymbolicLink() === true });
    await turns.step();
  }
  return { removes: [...removes].sort(), adds, newFolders };
}

/**
 * Every rename of the plan goes through the previous backup's folders: one of them that is a
 * symbolic link (planted by whoever could write the backup folder) would carry a new file out
 * of it, or a file from outside into the snapshot. The run's path checks refuse such a path
 * already (ConfinedPaths `behind`); this is the last check before anything moves, once per folder.
 */
async function refuseLinkedFolders(live: string, relativePaths: readonly string[], turns: EventLoopTurns): Promise<void> {
  const checked = new Set<string>();
  for (const relative of relativePaths) {
    const parts = relative.split('/');
    for (let depth = 1; depth < parts.length; depth += 1) {
      const folder = parts.slice(0, depth).join('/');
      if (checked.has(folder)) continue;
      checked.add(folder);
      const stat = lstatOrUndefined(path.join(live, folder));
      await turns.step();
      if (stat?.isSymbolicLink()) {
        throw new BackupError('hostile-path', `The previous backup has a symbolic link where a folder belongs (${folder}), so the new backup was not kept: publishing it would write through that link. The previous backup is unchanged.`);
      }
      if (stat === undefined || !stat.isDirectory()) break;
    }
  }
}

/** Whether the journal's plan can still be carried forward: every add still has its new file somewhere. */
export async function canRollForward(live: string, staging: string, snapshot: string, plan: DeltaPlan): Promise<boolean> {
  const turns = new EventLoopTurns();
  for (const add of plan.adds) {
    await turns.step();
    if (exists(path.join(staging, add.path))) continue;
    // Already moved in: L/p is the new file when nothing was to be replaced, or when the old one reached D.
    if (exists(path.join(live, add.path)) && (!add.replaces || exists(path.join(snapshot, add.path)))) continue;
    return false;
  }
  return true;
}

/** Carries the plan out (or finishes it); safe to repeat after a crash at any point. */
export async function rollDeltaForward(live: string, staging: string, snapshot: string, plan: DeltaPlan, onStep?: CommitStepHook): Promise<void> {
  const turns = new EventLoopTurns();
  let step = 0;
  const next = async (): Promise<void> => {
    step += 1;
    await onStep?.(step);
    await turns.step();
  };
  await makePrivateFolder(path.dirname(snapshot));
  await fs.mkdir(snapshot, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  await writeMarker(snapshot, { version: 1, added: plan.adds.filter((add) => !add.replaces).map((add) => add.path) });
  for (const folder of plan.newFolders) fsSync.mkdirSync(path.join(live, folder), { recursive: true, mode: PRIVATE_FOLDER_MODE });
  const mover = new FolderMakingMover();
  for (const relative of plan.removes) {
    if (!exists(path.join(live, relative))) continue;
    await next();
    mover.move(path.join(live, relative), path.join(snapshot, relative));
  }
  for (const add of plan.adds) {
    const staged = path.join(staging, add.path);
    if (!exists(staged)) continue;
    const current = path.join(live, add.path);
    if (add.replaces && !exists(path.join(snapshot, add.path)) && exists(current)) {
      await next();
      mover.move(current, path.join(snapshot, add.path));
    }
    await next();
    mover.move(staged, current);
  }
}

/**
 * Renames that make the destination's folder first, once per folder for one roll: a 1 %-changed
 * run moves ~1,900 files into a few hundred folders, and a mkdir before every rename cost as much
 * as the renames. Nothing removes a folder during a roll, so a folder made once stays.
 */
class FolderMakingMover {
  private readonly made = new Set<string>();

  move(from: string, to: string): void {
    const folder = path.dirname(to);
    if (!this.made.has(folder)) {
      fsSync.mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
      this.made.add(folder);
    }
    fsSync.renameSync(from, to);
  }
}

/** Undoes whatever part of the plan was carried out: L is the previous backup again. */
export async function rollDeltaBack(live: string, staging: string, snapshot: string, plan: DeltaPlan): Promise<void> {
  const turns = new EventLoopTurns();
  for (const add of [...plan.adds].reverse()) {
    const current = path.join(live, add.path);
    const staged = path.join(staging, add.path);
    const old = path.join(snapshot, add.path);
    const moved = !exists(staged) && exists(current) && (!add.replaces || exists(old));
    if (moved) moveFile(current, staged);
    if (add.replaces && exists(old) && !exists(current)) moveFile(old, current);
    await turns.step();
  }
  for (const relative of plan.removes) {
    const old = path.join(snapshot, relative);
    if (exists(old) && !exists(path.join(live, relative))) moveFile(old, path.join(live, relative));
    await turns.step();
  }
  for (const folder of [...plan.newFolders].reverse()) await fs.rmdir(path.join(live, folder)).catch(() => undefined);
  await fs.rm(snapshot, { recursive: true, force: true });
}

function moveFile(from: string, to: string): void {
  fsSync.mkdirSync(path.dirname(to), { recursive: true, mode: PRIVATE_FOLDER_MODE });
  fsSync.renameSync(from, to);
}

async function writeMarker(snapshot: string, marker: DeltaMarker): Promise<void> {
  const file = path.join(snapshot, DELTA_MARKER);
  const temp = `${file}.tmp`;
  await fs.writeFile(temp, JSON.stringify(marker), { mode: PRIVATE_FILE_MODE });
  await fs.rename(temp, file);
}

/**
 * Regular files (and links, which a plain rename moves as they are) below `dir`, relative and
 * `/`-separated; none if it is missing. Folders are added to `folders`, parents first.
 */
async function listFiles(dir: string, prefix: string, folders: string[], turns: EventLoopTurns): Promise<string[]> {
  const stat = lstatOrUndefined(dir);
  if (stat === undefined) return [];
  if (!stat.isDirectory()) return prefix === '' ? [] : [prefix];
  const files: string[] = [];
  const walk = async (folder: string, relative: string): Promise<void> => {
    await turns.step();
    for (const entry of fsSync.readdirSync(folder, { withFileTypes: true })) {
      // The marker's name is ours: a phone that uploads a file by that name does not get to shadow it.
      if (entry.name.startsWith(TEMP_PREFIX) || (relative === '' && entry.name === DELTA_MARKER)) continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        folders.push(child);
        await walk(path.join(folder, entry.name), child);
      }
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(child);
    }
  };
  await walk(dir, prefix);
  return files;
}

/** What is at `target`, or undefined when nothing can be read there (as the plan has always taken it). */
function lstatOrUndefined(target: string): fsSync.Stats | undefined {
  try {
    return fsSync.lstatSync(target, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Whether `target` exists; an error other than "not there" is thrown, not taken for an answer. */
function exists(target: string): boolean {
  try {
    return fsSync.lstatSync(target, { throwIfNoEntry: false }) !== undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}
