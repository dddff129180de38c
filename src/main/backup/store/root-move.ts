import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { LIFEBOAT_DIR, storeLayout } from './store-layout';

/** How far a move has got: backups (a folder with its snapshots) moved of those found. */
export interface RootMoveProgress {
  readonly moved: number;
  readonly total: number;
  /** The backup folder being moved now. */
  readonly current?: string;
}

export interface RootMoveResult {
  /** Backup folders now in the new backup folder. */
  readonly moved: readonly string[];
  /** Backup folders left in the old one, with why (a failure stops the move; nothing is lost). */
  readonly left: readonly string[];
  readonly problem?: string;
}

/** The file operations a move uses; tests replace them to fail where a real disk would. */
export interface RootMoveFs {
  rename(from: string, to: string): void;
  copyFile(from: string, to: string): void;
}

const REAL_FS: RootMoveFs = {
  rename: (from, to) => fs.renameSync(from, to),
  copyFile: (from, to) => fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL),
};

/** Partial copies carry this suffix, so a copy cut short never looks like a backup. */
const PARTIAL = '.lifeboat-moving';

/**
 * Moves every backup folder of `from` into `to`, one at a time, each with its Lifeboat snapshots
 * (`.lifeboat/snapshots/<name>`, the chain behind it, see README "How snapshots work"): a rename when
 * both are on one volume, else copy, compare byte for byte, then delete the original. A backup is
 * in exactly one place at every moment that matters: a copy is published (renamed from its partial
 * name) only once verified, and the original is removed only after that. The first failure stops
 * the move; what moved stays moved, the rest stays where it was, and the result says which.
 * Each backup is moved synchronously: nothing else may write a backup folder meanwhile (the core
 * refuses a move while any job runs).
 */
export async function moveBackupRoot(from: string, to: string, onProgress: (progress: RootMoveProgress) => void = () => undefined, io: RootMoveFs = REAL_FS): Promise<RootMoveResult> {
  const source = path.resolve(from);
  const target = path.resolve(to);
  if (isInside(target, source) || isInside(source, target)) {
    throw new BackupError('io', `The new backup folder ${target} cannot be inside the old one ${source}, or the other way round.`);
  }
  fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  const names = backupFolders(source);
  const moved: string[] = [];
  for (const [index, name] of names.entries()) {
    onProgress({ moved: index, total: names.length, current: name });
    // Between backups the event loop runs, so the progress reaches the window while the move goes on.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      moveOne(source, target, name, io);
      moved.push(name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const left = names.slice(index);
      const others = left.length - 1;
      const rest = others === 0 ? `it stays in ${source}, unchanged` : `it and ${others} other ${others === 1 ? 'backup' : 'backups'} stay in ${source}, unchanged`;
      return { moved, left, problem: `Moving ${name} stopped (${reason}); ${rest}.` };
    }
  }
  onProgress({ moved: names.length, total: names.length });
  return { moved, left: [] };
}

/** The backup folders directly in the root (its own, archives, other tools'), not Lifeboat's own folder. */
function backupFolders(root: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
}

/** One backup folder and its snapshots: renamed, or copied, verified, published, then removed. */
function moveOne(source: string, target: string, name: string, io: RootMoveFs): void {
  const pairs: Array<[string, string]> = [[path.join(source, name), path.join(target, name)]];
  const snapshots = storeLayout(source).snapshots(name);
  if (fs.existsSync(snapshots)) pairs.push([snapshots, storeLayout(target).snapshots(name)]);
  for (const [, to] of pairs) {
    if (fs.existsSync(to)) throw new Error(`a folder named ${path.relative(target, to)} is already in ${target}`);
  }
  fs.mkdirSync(path.join(target, LIFEBOAT_DIR, 'snapshots'), { recursive: true, mode: 0o700 });
  const done: Array<[string, string]> = [];
  try {
    for (const [from, to] of pairs) {
      try {
        io.rename(from, to);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        copyVerified(from, to, io);
        fs.rmSync(from, { recursive: true, force: true });
      }
      done.push([from, to]);
    }
  } catch (error) {
    // The folder without its snapshots (or the reverse) would break the chain: put back what moved.
    for (const [from, to] of done.reverse()) putBack(to, from, io);
    throw error;
  }
}

/** Copies a tree under a partial name, compares every file, then gives it its real name. */
function copyVerified(from: string, to: string, io: RootMoveFs): void {
  const partial = `${to}${PARTIAL}`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    copyTree(from, partial, io);
    compareTrees(from, partial);
    fs.renameSync(partial, to);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

function putBack(from: string, to: string, io: RootMoveFs): void {
  try {
    io.rename(from, to);
  } catch {
    copyVerified(from, to, io);
    fs.rmSync(from, { recursive: true, force: true });
  }
}

function copyTree(from: string, to: string, io: RootMoveFs): void {
  fs.mkdirSync(to, { mode: fs.lstatSync(from).mode & 0o7777 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target, io);
    else if (entry.isFile()) {
      io.copyFile(source, target);
      const stat = fs.statSync(source);
      fs.chmodSync(target, stat.mode & 0o7777);
      fs.utimesSync(target, stat.atime, stat.mtime);
    } else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
  }
}

/** Every file of `a` is in `b` with the same bytes, and `b` has nothing more. */
function compareTrees(a: string, b: string): void {
  const left = fs.readdirSync(a).sort();
  const right = fs.readdirSync(b).sort();
  if (left.join('\n') !== right.join('\n')) throw new Error(`the copy of ${a} does not list the same files`);
  for (const name of left) {
    const stat = fs.lstatSync(path.join(a, name));
    if (stat.isDirectory()) compareTrees(path.join(a, name), path.join(b, name));
    else if (stat.isFile() && !sameBytes(path.join(a, name), path.join(b, name), stat.size)) throw new Error(`the copy of ${path.join(a, name)} differs from the original`);
  }
}

function sameBytes(a: string, b: string, size: number): boolean {
  if (fs.statSync(b).size !== size) return false;
  const chunk = 1024 * 1024;
  const bufferA = Buffer.alloc(chunk);
  const bufferB = Buffer.alloc(chunk);
  const fa = fs.openSync(a, 'r');
  const fb = fs.openSync(b, 'r');
  try {
    for (let offset = 0; offset < size; offset += chunk) {
      const read = fs.readSync(fa, bufferA, 0, chunk, offset);
      if (fs.readSync(fb, bufferB, 0, chunk, offset) !== read || !bufferA.subarray(0, read).equals(bufferB.subarray(0, read))) return false;
    }
    return true;
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

function isInside(child: string, folder: string): boolean {
  const relative = path.relative(folder, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
