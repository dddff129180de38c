import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Files and folders flushed at once by the portable fallback: enough to keep a disk's queue busy. */
const PARALLEL_FLUSHES = 32;

/**
 * Up to this many files and non-empty folders are fsynced one by one; a bigger tree is flushed by
 * one syncfs. A no-change incremental stages about six (Manifest.db, the plists, the sidecar and
 * staging itself): six fsyncs wait only for those bytes, where a syncfs waits for every writer's
 * dirty data on the disk, which took 2–5 s on a busy disk. At 10,000 new files a syncfs was 30–100×
 * cheaper than an fsync each (see flushTreeToDisk), so the limit stays well below that.
 */
const MAX_SINGLE_FSYNCS = 256;

/** How a tree is made durable: these paths fsynced one by one, or the whole file system synced at once. */
type FlushPlan = { readonly kind: 'each'; readonly paths: readonly string[] } | { readonly kind: 'file-system' };

/**
 * Makes a staged backup durable before the commit journal may point at it: after a power cut the
 * published backup must hold every byte the phone sent, never empty or truncated files that a
 * rename made visible before their data reached the disk.
 *
 * A small tree (planTreeFlush) gets an fsync of each file and of each folder that holds anything
 * (an empty folder's entry is made durable by its parent's fsync). A big one on Linux gets one
 * `syncfs(2)` of the file system holding it (`sync -f`, coreutils): measured on ext4 here,
 * 0.25–0.4 s for 10,000 new 4 KB files, where an fsync per file cost 12–42 s (one journal commit
 * each). Elsewhere, or where `sync -f` is missing, every file and folder is fsynced, many at a time.
 */
export async function flushTreeToDisk(dir: string): Promise<void> {
  const plan = await planTreeFlush(dir);
  if (plan.kind === 'each') {
    await fsyncPaths(plan.paths);
    return;
  }
  if (process.platform === 'linux' && (await syncFileSystemOf(dir))) return;
  await fsyncTree(dir);
}

/**
 * The files and non-empty folders of `dir` (itself included) when there are at most `limit` of
 * them, else `file-system`. The walk stops as soon as the limit is passed, so a big tree costs
 * only the first few listings.
 */
export async function planTreeFlush(dir: string, limit = MAX_SINGLE_FSYNCS): Promise<FlushPlan> {
  const paths: string[] = [];
  const folders: string[] = [dir];
  while (folders.length > 0) {
    const folder = folders.pop() as string;
    const entries = await fs.readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) folders.push(full);
      else if (entry.isFile()) paths.push(full);
    }
    // Windows cannot fsync a folder (and renames there need no folder flush).
    if (entries.length > 0 && process.platform !== 'win32') paths.push(folder);
    if (paths.length > limit) return { kind: 'file-system' };
  }
  return { kind: 'each', paths };
}

function syncFileSystemOf(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sync', ['-f', dir], { timeout: 10 * 60_000 }, (error) => resolve(error === null));
  });
}

/** The portable way: fsync each file and folder (Windows flushes files only, opened for writing). */
export async function fsyncTree(dir: string): Promise<void> {
  const pending: string[] = [];
  const folders: string[] = [dir];
  while (folders.length > 0) {
    const folder = folders.pop() as string;
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) folders.push(full);
      else if (entry.isFile()) pending.push(full);
    }
    if (process.platform !== 'win32') pending.push(folder);
  }
  await fsyncPaths(pending);
}

async function fsyncPaths(pending: readonly string[]): Promise<void> {
  for (let index = 0; index < pending.length; index += PARALLEL_FLUSHES) {
    await Promise.all(pending.slice(index, index + PARALLEL_FLUSHES).map((target) => fsyncPath(target, process.platform === 'win32' ? 'r+' : 'r')));
  }
}

async function fsyncPath(target: string, flags: string): Promise<void> {
  const handle = await fs.open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a folder makes renames in it durable; not supported on Windows, where it is skipped. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort: durability across power loss, not correctness across a crash.
  } finally {
    await handle?.close();
  }
}
