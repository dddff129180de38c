import { randomBytes } from 'node:crypto';
import fsCallbacks from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from './private-modes';
import type { KnownTree } from './known-tree';
import { BackgroundFileWriter, type WholeFileWriter } from './whole-file-writer';

/** A file being written: content goes to a temporary name and appears under its real name on commit. */
export interface NewFile {
  write(chunk: Uint8Array): Promise<void>;
  /** Closes and renames over the target (replacing a file or a hard link there, never writing into it). */
  commit(): Promise<void>;
  /** Closes and deletes the temporary file; safe after a failed write. */
  abort(): Promise<void>;
}

/**
 * The store's only way to create file content. Every file is written new and renamed into place,
 * so a hard-linked file shared with an older snapshot is replaced, never modified. Tests swap
 * this for one that fails (disk full, I/O error) at a chosen point.
 */
export interface StoreFs {
  createFile(target: string): Promise<NewFile>;
  /**
   * Optional fast path for content that is already complete in memory (most uploads are a few
   * KB): the same new-file-then-rename, in one write call. Without it, createFile is used.
   */
  writeFile?(target: string, bytes: Uint8Array): Promise<void>;
  /**
   * Optional, for the upload loop: a writer that writes whole files on background threads (see
   * whole-file-writer.ts). Without it, uploads use writeFile or createFile one by one. `known`
   * is the run's path cache, which the writer invalidates when a rename removes a folder.
   */
  openWholeFileWriter?(known: KnownTree): WholeFileWriter;
}

/** Temporary names start with this, so a crash's leftovers are recognisable. */
export const TEMP_PREFIX = '.lifeboat-tmp-';

/**
 * Temporary names are this process's random token plus a counter: unique without asking the
 * random generator per file, and `wx` would refuse a clash rather than write into someone's file.
 */
const processToken = randomBytes(6).toString('hex');
let tempCounter = 0;

export function tempPathBeside(target: string): string {
  tempCounter += 1;
  return path.join(path.dirname(target), `${TEMP_PREFIX}${processToken}-${tempCounter.toString(36)}`);
}

export const nodeStoreFs: StoreFs = {
  async createFile(target) {
    const temp = tempPathBeside(target);
    const handle = await fs.open(temp, 'wx', PRIVATE_FILE_MODE);
    let open = true;
    const close = async (): Promise<void> => {
      if (!open) return;
      open = false;
      await handle.close();
    };
    return {
      async write(chunk) {
        let offset = 0;
        while (offset < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
          offset += bytesWritten;
        }
      },
      async commit() {
        await close();
        await fs.rename(temp, target);
      },
      async abort() {
        await close().catch(() => undefined);
        await fs.rm(temp, { force: true });
      },
    };
  },
  async writeFile(target, bytes) {
    const temp = tempPathBeside(target);
    try {
      await writeNewFile(temp, bytes);
      await fs.rename(temp, target);
    } catch (error) {
      // EEXIST: the name was not ours, so it is not ours to delete either.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await fs.rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  },
  openWholeFileWriter(known) {
    return new BackgroundFileWriter({ tempPrefix: TEMP_PREFIX, known });
  },
};

/**
 * open(`wx`) + write + close through the callback API: fs/promises' writeFile opens a FileHandle,
 * whose set-up showed as the largest single cost per file in the many-small benchmark profile.
 */
function writeNewFile(file: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    fsCallbacks.writeFile(file, bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE }, (error) => (error ? reject(error) : resolve()));
  });
}

/** Writes a whole buffer through the store (small files: plists, journals). */
export async function writeFileAtomically(storeFs: StoreFs, target: string, bytes: Uint8Array): Promise<void> {
  if (storeFs.writeFile) {
    await storeFs.writeFile(target, bytes);
    return;
  }
  const file = await storeFs.createFile(target);
  try {
    await file.write(bytes);
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
