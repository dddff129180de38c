import fs from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, tightenMode } from './private-modes';
import { TEMP_PREFIX } from './store-fs';

/** Entries linked at once: enough to hide latency, few enough to stay under open-file limits. */
const PARALLEL_LINKS = 64;

export interface CloneStats {
  readonly files: number;
  readonly bytes: number;
  /** Files whose mode had to be tightened to 0600 (see private-modes.ts). */
  readonly tightened: number;
}

/**
 * Makes `target` a hard-link copy of `source`: the same folders, every regular file a new link to
 * the same inode (no content copied, so a clone of a 50 GB backup is instant and free), symbolic
 * links recreated as links (the confined-path check refuses to follow them), other special files
 * and half-written temporaries left out. Folders are made private (0700) and files tightened to
 * 0600 where they are not (private-modes.ts). `target` must not exist.
 */
export async function cloneTreeWithHardLinks(source: string, target: string): Promise<CloneStats> {
  let files = 0;
  let bytes = 0;
  let tightened = 0;
  const walk = async (from: string, to: string): Promise<void> => {
    await fs.mkdir(to, { mode: PRIVATE_FOLDER_MODE });
    const entries = await fs.readdir(from, { withFileTypes: true });
    const subdirectories: string[] = [];
    for (let index = 0; index < entries.length; index += PARALLEL_LINKS) {
      await Promise.all(
        entries.slice(index, index + PARALLEL_LINKS).map(async (entry) => {
          if (entry.name.startsWith(TEMP_PREFIX)) return;
          const fromPath = path.join(from, entry.name);
          const toPath = path.join(to, entry.name);
          if (entry.isDirectory()) {
            subdirectories.push(entry.name);
          } else if (entry.isFile()) {
            await fs.link(fromPath, toPath);
            files += 1;
            const stat = await fs.lstat(toPath);
            bytes += stat.size;
            // The link shares the inode: this also tightens the file in the previous backup and
            // its snapshots, once, for backups made before files were private.
            if (await tightenMode(toPath, stat.mode, PRIVATE_FILE_MODE)) tightened += 1;
          } else if (entry.isSymbolicLink()) {
            await fs.symlink(await fs.readlink(fromPath), toPath);
          }
        }),
      );
    }
    for (const name of subdirectories) await walk(path.join(from, name), path.join(to, name));
  };
  await walk(source, target);
  return { files, bytes, tightened };
}

/** Bytes of the regular files under `dir`, counting each inode once (hard links share bytes). */
export async function treeSize(dir: string, seen: Set<string> = new Set()): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isFile()) {
        const stat = await fs.lstat(full, { bigint: true });
        const key = `${stat.dev}:${stat.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        bytes += Number(stat.size);
        files += 1;
      }
    }
  };
  await walk(dir);
  return { bytes, files };
}
