import fs from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, tightenMode } from './private-modes';
import { TEMP_PREFIX } from './store-fs';

/** Entries linked at once: enough to hide latency, few enough to stay under open-file limits. */
const PARALLEL_LINKS = 64;

interface CloneStats {
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

