import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What a backup folder holds on disk. Lifeboat's snapshots share unchanged files with the current
 * backup through hard links, so bytes are counted per inode: once inside a folder, and "reclaimable"
 * only when every link to the inode lives in this folder. Symbolic links are never followed.
 */
export interface FolderUsage {
  readonly sizeBytes: number;
  readonly reclaimableBytes: number;
  /** Regular files by path relative to the folder (`/`-separated) → size. */
  readonly files: ReadonlyMap<string, number>;
  /** `dev:ino` → size of every regular file, for totals across folders. */
  readonly inodes: ReadonlyMap<string, number>;
}

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
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(full, name);
        continue;
      }
      if (!entry.isFile()) continue;
      let stat;
      try {
        stat = await fs.lstat(full, { bigint: true });
      } catch {
        continue;
      }
      const size = Number(stat.size);
      files.set(name, size);
      const key = `${stat.dev}:${stat.ino}`;
      const tally = tallies.get(key);
      if (tally) tally.seen += 1;
      else tallies.set(key, { size, links: Number(stat.nlink), seen: 1 });
    }
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
