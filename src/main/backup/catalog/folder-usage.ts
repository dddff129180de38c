import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What a backup folder holds on disk. Lifeboat's snapshots share unchanged files with the current
 * backup through hard links, so bytes are counted per inode: once inside a folder, and "reclaimable"
 * only when every link to the inode lives in this folder. Symbolic links are never followed.
 */
interface FolderUsage {
  readonly sizeBytes: number;
  readonly reclaimableBytes: number;
  /** Regular files by path relative to the folder (`/`-separated) → size. */
  readonly files: ReadonlyMap<string, number>;
  /** `dev:ino` → size of every regular file, for totals across folders. */
  readonly inodes: ReadonlyMap<string, number>;
}

const PARALLEL_STATS = 64;

interface InodeTally {
  size: number;
  links: number;
  seen: number;
}

export async function measureFolder(folder: string): Promise<FolderUsage> {
  const files = new Map<string, number>();
  const tallies = new Map<string, InodeTally>();
  const walk = async (directory: string, relative: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(directory, { withFileTypes: true });
    } catch (error) {
      // A folder removed while we look (a run finishing) is simply not counted.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const subfolders: Array<[string, string]> = [];
    const regular: Array<[string, string]> = [];
    for (const entry of entries) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) subfolders.push([path.join(directory, entry.name), name]);
      else if (entry.isFile()) regular.push([path.join(directory, entry.name), name]);
    }
    // A few dozen stats in flight hide disk latency without running into open-file limits.
    for (let index = 0; index < regular.length; index += PARALLEL_STATS) {
      const batch = regular.slice(index, index + PARALLEL_STATS);
      const stats = await Promise.all(batch.map(([full]) => fs.lstat(full, { bigint: true }).catch(() => undefined)));
      stats.forEach((stat, position) => {
        const name = batch[position]?.[1];
        if (!stat || name === undefined || !stat.isFile()) return;
        const size = Number(stat.size);
        files.set(name, size);
        const key = `${stat.dev}:${stat.ino}`;
        const tally = tallies.get(key);
        if (tally) tally.seen += 1;
        else tallies.set(key, { size, links: Number(stat.nlink), seen: 1 });
      });
    }
    for (const [full, name] of subfolders) await walk(full, name);
  };
  await walk(folder, '');
  let sizeBytes = 0;
  let reclaimableBytes = 0;
  const inodes = new Map<string, number>();
  for (const [key, tally] of tallies) {
    sizeBytes += tally.size;
    if (tally.seen >= tally.links) reclaimableBytes += tally.size;
    inodes.set(key, tally.size);
  }
  return { sizeBytes, reclaimableBytes, files, inodes };
}

/**
 * A cheap "has this folder changed?" digest for incremental refresh: name, size, mtime and inode
 * of every top-level entry, and the mtime of every subfolder (so an added or deleted content file
 * in `xx/` shows). A backup run always rewrites Status.plist and Manifest.db, so finished runs
 * are never missed; a file truncated in place is left to verify().
 */
export async function folderFingerprint(folder: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const top = (await fs.readdir(folder)).sort();
  for (const name of top) {
    const stat = await fs.lstat(path.join(folder, name), { bigint: true }).catch(() => undefined);
    if (!stat) continue;
    hash.update(`${name}\0${stat.size}\0${stat.mtimeNs}\0${stat.ino}\0${stat.isDirectory() ? 'd' : 'f'}\n`);
  }
  return hash.digest('hex');
}
