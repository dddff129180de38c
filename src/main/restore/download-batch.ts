import fs from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { BackupError } from '../backup/backup-error';
import { type ConfinedPaths, openRegularFileForSending, readFileForSendingSync } from '../backup/store';
import { DOWNLOAD_READ_BYTES } from '../device/services';

/** Files up to this size are read whole while the batch is prepared; bigger ones stream later. */
const SMALL_FILE_BYTES = 64 * 1024;
/** The most one batch holds read ahead in memory; files past it stream as big ones do. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** Files prepared between two turns of the event loop, so a request naming thousands never stalls the app. */
const FILES_PER_TURN = 64;
/** Windows has no O_NOFOLLOW: there the file itself is looked at with lstat first, as ConfinedPaths.checkNoLinks does. */
const OPEN_REFUSES_LINKS = fs.constants.O_NOFOLLOW !== undefined;

type Prepared =
  | { readonly kind: 'read'; readonly content: Buffer }
  | { readonly kind: 'stream'; readonly file: string; readonly limit: number }
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * The files of one DLMessageDownloadFiles request (§3.6.1), looked at before the stream starts:
 * each path confined (folders checked once per run through ConfinedPaths' cache, the file itself
 * opened with O_NOFOLLOW, a link refused as ConfinedPaths refuses it), small files read whole at
 * once and big ones sized, to stream when their turn comes. A many-small restore spent most of
 * its host CPU in five thread-pool trips per file (lstat ×2, stat, open, fstat, read, close); a
 * small file now costs four plain system calls. `bytes` is what the batch will move, for progress.
 *
 * The folder caches stay valid for the whole restore because the restore never changes the backup
 * (restore-drive.ts refuses every write request). A path asked for twice is sent twice.
 */
export class DownloadBatch {
  private constructor(
    private readonly prepared: Map<string, Prepared>,
    readonly bytes: number,
  ) {}

  static async prepare(devicePaths: readonly string[], paths: ConfinedPaths, maxBytesOf: (devicePath: string) => number | undefined): Promise<DownloadBatch> {
    const prepared = new Map<string, Prepared>();
    let bytes = 0;
    let readAhead = 0;
    for (const [index, devicePath] of devicePaths.entries()) {
      if (index > 0 && index % FILES_PER_TURN === 0) await yieldToEventLoop();
      const file = paths.resolve(devicePath);
      try {
        // Every folder on the way: a link there is refused (BackupError hostile-path) and stops the restore.
        await paths.prepareParentFolders(file, devicePath, { create: false });
        if (!OPEN_REFUSES_LINKS) await paths.checkNoLinks(file, devicePath);
        const found = readFileForSendingSync(file, maxBytesOf(devicePath), readAhead < READ_AHEAD_BYTES ? SMALL_FILE_BYTES : 0);
        bytes += found.size;
        if (found.content === undefined) prepared.set(devicePath, { kind: 'stream', file, limit: found.size });
        else {
          readAhead += found.size;
          prepared.set(devicePath, { kind: 'read', content: found.content });
        }
      } catch (error) {
        if (error instanceof BackupError) throw error;
        // The file itself is a link: refused in ConfinedPaths' words, as a folder link is.
        if ((error as NodeJS.ErrnoException).code === 'ELOOP') await paths.checkNoLinks(file, devicePath);
        // Missing or unreadable: the phone hears it as this file's LOCAL_ERROR (§3.6.1 step 4).
        prepared.set(devicePath, { kind: 'failed', error });
      }
    }
    return new DownloadBatch(prepared, bytes);
  }

  /** The content of `devicePath` for sendFilesToDevice; throws what opening it threw. */
  async content(devicePath: string): Promise<Iterable<Buffer> | AsyncIterable<Buffer>> {
    const entry = this.prepared.get(devicePath);
    if (entry === undefined) throw Object.assign(new Error(`Not part of this request: ${devicePath}`), { code: 'EINVAL' });
    if (entry.kind === 'failed') throw entry.error;
    if (entry.kind === 'read') return entry.content.length === 0 ? [] : [entry.content];
    // Opened again (O_NOFOLLOW, a regular file) and sent only up to what it held when sized.
    const { handle, size } = await openRegularFileForSending(entry.file);
    const limit = Math.min(size, entry.limit);
    if (limit <= 0) {
      await handle.close();
      return [];
    }
    return handle.createReadStream({ start: 0, end: limit - 1, highWaterMark: DOWNLOAD_READ_BYTES, autoClose: true }) as AsyncIterable<Buffer>;
  }
}
