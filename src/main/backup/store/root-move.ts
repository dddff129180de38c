import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { LIFEBOAT_DIR, storeLayout } from './store-layout';

/** How far a move has got: backups (a folder with its snapshots) moved of those found, and their bytes. */
export interface RootMoveProgress {
  readonly moved: number;
  readonly total: number;
  /** The backup folder being moved now. */
  readonly current?: string;
  /** Bytes of the backups' files in the new folder so far (a rename moves a whole backup's at once). */
  readonly bytesMoved: number;
  /** Bytes of every file of the backups to move, their snapshots included, counted before the move. */
  readonly bytesTotal: number;
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

/** A copy reports again once this share of all the bytes has moved: at most ~200 reports per move, whatever its file count. */
const REPORT_SHARE = 1 / 200;

/**
 * Counts the bytes moved and reports them. A copy across volumes of a backup of 100 000 files can
 * take minutes: between files the event loop runs whenever a report is due, so the window sees the
 * bytes climb instead of one step per backup.
 */
class MoveMeter {
  bytesMoved = 0;
  private reportedAt = 0;

  constructor(
    private readonly onProgress: (progress: RootMoveProgress) => void,
    private readonly total: number,
    readonly bytesTotal: number,
  ) {}

  report(moved: number, current?: string): void {
    this.reportedAt = this.bytesMoved;
    this.onProgress({ moved, total: this.total, ...(current === undefined ? {} : { current }), bytesMoved: this.bytesMoved, bytesTotal: this.bytesTotal });
  }

  /** Adds a copied file's bytes; reports (and lets the report out) when enough have moved since the last. */
  async copied(bytes: number, moved: number, current: string): Promise<void> {
    this.bytesMoved += bytes;
    if (this.bytesMoved - this.reportedAt < this.bytesTotal * REPORT_SHARE) return;
    this.report(moved, current);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Moves every backup folder of `from` into `to`, one at a time, each with its Lifeboat snapshots
 * (`.lifeboat/snapshots/<name>`, the chain behind it, see README "How snapshots work"): a rename when
 * both are on one volume, else copy, compare byte for byte, then delete the original. A backup is
 * in exactly one place at every moment that matters: a copy is published (renamed from its partial
 * name) only once verified, and the original is removed only after that. The first failure stops
 * the move; what moved stays moved, the rest stays where it was, and the result says which.
 * Nothing else may write a backup folder meanwhile (the core refuses a move while any job runs); a
 * copy lets the event loop run only to report its bytes (MoveMeter).
 */
export async function moveBackupRoot(from: string, to: string, onProgress: (progress: RootMoveProgress) => void = () => undefined, io: RootMoveFs = REAL_FS): Promise<RootMoveResult> {
  const source = path.resolve(from);
  const target = path.resolve(to);
  if (isInside(target, source) || isInside(source, target)) {
    throw new BackupError('io', `The new backup folder ${target} cannot be inside the old one ${source}, or the other way round.`);
  }
  fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  const names = backupFolders(source);
  const sizes = names.map((name) => backupPairs(source, target, name).reduce((sum, [from]) => sum + treeBytes(from), 0));
  const meter = new MoveMeter(onProgress, names.length, sizes.reduce((sum, size) => sum + size, 0));
  const moved: string[] = [];
  for (const [index, name] of names.entries()) {
    meter.report(index, name);
    // Between backups the event loop runs, so the progress reaches the window while the move goes on.
    await new Promise((resolve) => setImmediate(resolve));
    const startedAt = meter.bytesMoved;
    try {
      await moveOne(source, target, name, io, (bytes) => meter.copied(bytes, index, name));
      // A rename moved the whole backup at once; a copy counted its files as it went.
      meter.bytesMoved = startedAt + sizes[index]!;
      moved.push(name);
    } catch (error) {
      // Its copy was removed: those bytes are not in the new folder.
      meter.bytesMoved = startedAt;
      const reason = error instanceof Error ? error.message : String(error);
      const left = names.slice(index);
      const others = left.length - 1;
      const rest = others === 0 ? `it stays in ${source}, unchanged` : `it and ${others} other ${others === 1 ? 'backup' : 'backups'} stay in ${source}, unchanged`;
      return { moved, left, problem: `Moving ${name} stopped (${reason}); ${rest}.` };
    }
  }
  meter.report(names.length);
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

/** A backup folder and its snapshots folder (when it has one), each with where it goes. */
function backupPairs(source: string, target: string, name: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [[path.join(source, name), path.join(target, name)]];
  const snapshots = storeLayout(source).snapshots(name);
  if (fs.existsSync(snapshots)) pairs.push([snapshots, storeLayout(target).snapshots(name)]);
  return pairs;
}

/** Bytes of the regular files below `folder` (links not followed). */
function treeBytes(folder: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) total += treeBytes(full);
    else if (entry.isFile()) total += fs.lstatSync(full).size;
  }
  return total;
}

/** Called after each file a copy wrote, with its size. */
type OnCopied = (bytes: number) => Promise<void>;

/** One backup folder and its snapshots: renamed, or copied, verified, published, then removed. */
async function moveOne(source: string, target: string, name: string, io: RootMoveFs, onCopied: OnCopied): Promise<void> {
  const pairs = backupPairs(source, target, name);
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
        await copyVerified(from, to, io, onCopied);
        fs.rmSync(from, { recursive: true, force: true });
      }
      done.push([from, to]);
    }
  } catch (error) {
    // The folder without its snapshots (or the reverse) would break the chain: put back what moved.
    for (const [from, to] of done.reverse()) await putBack(to, from, io);
    throw error;
  }
}

/** Copies a tree under a partial name, compares every file, then gives it its real name. */
async function copyVerified(from: string, to: string, io: RootMoveFs, onCopied: OnCopied = async () => undefined): Promise<void> {
  const partial = `${to}${PARTIAL}`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    await copyTree(from, partial, io, onCopied);
    compareTrees(from, partial);
    fs.renameSync(partial, to);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

async function putBack(from: string, to: string, io: RootMoveFs): Promise<void> {
  try {
    io.rename(from, to);
  } catch {
    await copyVerified(from, to, io);
    fs.rmSync(from, { recursive: true, force: true });
  }
}

async function copyTree(from: string, to: string, io: RootMoveFs, onCopied: OnCopied): Promise<void> {
  fs.mkdirSync(to, { mode: fs.lstatSync(from).mode & 0o7777 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target, io, onCopied);
    else if (entry.isFile()) {
      io.copyFile(source, target);
      const stat = fs.statSync(source);
      fs.chmodSync(target, stat.mode & 0o7777);
      fs.utimesSync(target, stat.atime, stat.mtime);
      await onCopied(stat.size);
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
