import { randomBytes } from 'node:crypto';
import fsCallbacks from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from './private-modes';
import type { KnownTree } from './known-tree';
import { StreamedNewFile } from './streamed-new-file';
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
 * The store's only way to create file content: three required ways, each new-file-then-rename,
 * so a hard-linked file shared with an older snapshot is replaced, never modified. No method is
 * optional and nothing falls back to another: a store that fails (the tests' disk full, I/O
 * error) must say how it fails on every path a backup writes by, or a fault test would pass by
 * taking a path the real store never takes.
 */
export interface StoreFs {
  /** Streams a file too big to hold in memory (videos): temporary name, renamed on commit. */
  createFile(target: string): Promise<NewFile>;
  /** Content complete in memory that is written now (plists, the sidecar, a rewritten Manifest.db). */
  writeFile(target: string, bytes: Uint8Array): Promise<void>;
  /**
   * The upload loop's writer of whole files on background threads (whole-file-writer.ts). `known`
   * is the run's path cache, which the writer invalidates when a rename removes a folder.
   */
  openWholeFileWriter(known: KnownTree): WholeFileWriter;
}

/** Temporary names start with this, so a crash's leftovers are recognisable. */
export const TEMP_PREFIX = '.lifeboat-tmp-';

/**
 * Temporary names are this process's random token plus a counter: unique without asking the
 * random generator per file, and `wx` would refuse a clash rather than write into someone's file.
 */
const processToken = randomBytes(6).toString('hex');
let tempCounter = 0;

function tempPathBeside(target: string): string {
  tempCounter += 1;
  return path.join(path.dirname(target), `${TEMP_PREFIX}${processToken}-${tempCounter.toString(36)}`);
}

export const nodeStoreFs: StoreFs = {
  async createFile(target) {
    const temp = tempPathBeside(target);
    // Around the page cache where the file system allows (new-file-writes.ts): a video is written to disk once, not copied into memory first.
    const file = await StreamedNewFile.create(temp, PRIVATE_FILE_MODE);
    return {
      write: (chunk) => file.append(chunk),
      async commit() {
        // Throws, renaming nothing, when any write failed or is still running (or on a second commit): a file missing bytes is never published.
        await file.close();
        await fs.rename(temp, target);
      },
      async abort() {
        // Closes the file once whatever happened before (a commit that threw has closed it already).
        await file.abandon().catch(() => undefined);
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
