import fs from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { BackupError } from '../backup/backup-error';
import { type ConfinedPaths, openFileForSendingSync, openRegularFileForSending, readFileForSendingSync } from '../backup/store';
import { DOWNLOAD_READ_BYTES, SmallLocalFile } from '../device/services';

/** Files up to this size are read whole; bigger ones stream when their turn comes. */
const SMALL_FILE_BYTES = 64 * 1024;
/** The most one batch holds read ahead in memory; files past it stream as big ones do. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** Files prepared between two turns of the event loop, so a request naming thousands never stalls the app. */
const FILES_PER_TURN = 64;
/** Windows has no O_NOFOLLOW: there the file itself is looked at with lstat first, as ConfinedPaths.checkNoLinks does. */
const OPEN_REFUSES_LINKS = fs.constants.O_NOFOLLOW !== undefined;

type Content = Iterable<Buffer> | AsyncIterable<Buffer> | SmallLocalFile;

type Prepared =
  | { readonly kind: 'read'; readonly content: Buffer }
  | { readonly kind: 'stream'; readonly file: string; readonly limit: number }
  | { readonly kind: 'failed'; readonly error: unknown }
  /** A content file its Manifest.db row sizes: looked at and read only when its turn in the stream comes. */
  | { readonly kind: 'when-sent'; readonly limit: number };

/**
 * The files of one DLMessageDownloadFiles request (§3.6.1). Each path is confined (folders checked
 * once per run through ConfinedPaths' cache, the file itself opened with O_NOFOLLOW, a link
 * refused as ConfinedPaths refuses it); a small file costs four plain system calls (open, fstat,
 * read, close), a big one is streamed. `bytes` is what the batch will move, for progress.
 *
 * A content file whose size Manifest.db records is looked at and read when its turn in the stream
 * comes, not before the stream starts: the phone writes each file as it arrives, so reading all 128
 * files of a request first kept it idle for that long at every request (2–3 s of a many-small
 * restore), while idevicebackup2 sends each file as it reads it. Its recorded size stands in for
 * it in `bytes`. The others (the plists, Manifest.db) are looked at up front, sized by fstat.
 *
 * A link met in the stream is sent as that file's LOCAL_ERROR, and so is every later file that waits
 * for its turn (those are not read; files prepared up front were already checked then and are sent),
 * and `throwIfRefused` stops the restore with it once the stream is out.
 * The folder caches stay valid for the whole restore because the restore never changes the backup
 * (restore-drive.ts refuses every write request). A path asked for twice is sent twice.
 */
export class DownloadBatch {
  private refusal: BackupError | undefined;

  private constructor(
    private readonly prepared: Map<string, Prepared>,
    private readonly paths: ConfinedPaths,
    readonly bytes: number,
  ) {}

  static async prepare(devicePaths: readonly string[], paths: ConfinedPaths, maxBytesOf: (devicePath: string) => number | undefined): Promise<DownloadBatch> {
    const prepared = new Map<string, Prepared>();
    let bytes = 0;
    let readAhead = 0;
    for (const [index, devicePath] of devicePaths.entries()) {
      const recorded = maxBytesOf(devicePath);
      if (recorded !== undefined) {
        prepared.set(devicePath, { kind: 'when-sent', limit: recorded });
        bytes += recorded;
        continue;
      }
      if (index > 0 && index % FILES_PER_TURN === 0) await yieldToEventLoop();
      try {
        const found = await lookAt(paths, devicePath, undefined, readAhead < READ_AHEAD_BYTES ? SMALL_FILE_BYTES : 0);
        bytes += found.size;
        if (found.kind === 'read') readAhead += found.size;
        prepared.set(devicePath, found.kind === 'read' ? { kind: 'read', content: found.content } : found);
      } catch (error) {
        if (error instanceof BackupError) throw error;
        // Missing or unreadable: the phone hears it as this file's LOCAL_ERROR (§3.6.1 step 4).
        prepared.set(devicePath, { kind: 'failed', error });
      }
    }
    return new DownloadBatch(prepared, paths, bytes);
  }

  /**
   * The content of `devicePath` for sendFilesToDevice; throws what opening it threw. A small file
   * whose folder was checked already is opened here and now and handed over open, not as a
   * promise: the stream reads it at once into its own memory (most files of a restore).
   */
  content(devicePath: string): Content | Promise<Content> {
    const entry = this.prepared.get(devicePath);
    if (entry === undefined) throw Object.assign(new Error(`Not part of this request: ${devicePath}`), { code: 'EINVAL' });
    if (entry.kind === 'failed') throw entry.error;
    if (entry.kind === 'read') return entry.content.length === 0 ? [] : [entry.content];
    if (entry.kind === 'stream') return streamOf(entry.file, entry.limit);
    if (this.refusal !== undefined) throw this.refusal;
    if (OPEN_REFUSES_LINKS) {
      let file: string;
      try {
        file = this.paths.resolve(devicePath);
      } catch (error) {
        if (error instanceof BackupError) this.refusal = error;
        throw error;
      }
      // Folders checked (lookAt would check nothing more), the file opened O_NOFOLLOW: a link there
      // (ELOOP) goes the long way, where ConfinedPaths turns it into the restore's refusal.
      if (this.paths.isParentChecked(file)) {
        let found: { readonly size: number; readonly fd: number | undefined } | undefined;
        try {
          found = openFileForSendingSync(file, entry.limit, SMALL_FILE_BYTES);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
        }
        // Small: the stream reads it into the memory it sends from, and closes it.
        if (found?.fd !== undefined) return new SmallLocalFile(found.fd, found.size);
        if (found !== undefined) return streamOf(file, found.size);
      }
    }
    return this.contentWhenSent(devicePath, entry.limit);
  }

  private async contentWhenSent(devicePath: string, limit: number): Promise<Content> {
    try {
      const found = await lookAt(this.paths, devicePath, limit, SMALL_FILE_BYTES);
      if (found.kind === 'read') return found.content.length === 0 ? [] : [found.content];
      return streamOf(found.file, found.limit);
    } catch (error) {
      if (error instanceof BackupError) this.refusal = error;
      throw error;
    }
  }

  /** After the stream: the link (hostile-path) a file of it met, which stops the restore. */
  throwIfRefused(): void {
    if (this.refusal !== undefined) throw this.refusal;
  }
}

type LookedAt =
  | { readonly kind: 'read'; readonly content: Buffer; readonly size: number }
  | { readonly kind: 'stream'; readonly file: string; readonly limit: number; readonly size: number };

/**
 * One file confined and opened: read whole when it holds at most `readUpTo` bytes, else sized to
 * stream later. A link on the way (a folder or the file) throws BackupError hostile-path; a missing
 * or unreadable file throws its own error.
 */
async function lookAt(paths: ConfinedPaths, devicePath: string, maxBytes: number | undefined, readUpTo: number): Promise<LookedAt> {
  const file = paths.resolve(devicePath);
  // Every folder on the way: a link there is refused (BackupError hostile-path) and stops the restore.
  await paths.prepareParentFolders(file, devicePath, { create: false });
  if (!OPEN_REFUSES_LINKS) await paths.checkNoLinks(file, devicePath);
  try {
    const found = readFileForSendingSync(file, maxBytes, readUpTo);
    return found.content === undefined ? { kind: 'stream', file, limit: found.size, size: found.size } : { kind: 'read', content: found.content, size: found.size };
  } catch (error) {
    // The file itself is a link: refused in ConfinedPaths' words, as a folder link is.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') await paths.checkNoLinks(file, devicePath);
    throw error;
  }
}

/** Opened again (O_NOFOLLOW, a regular file) and sent only up to what it held when sized. */
async function streamOf(file: string, limit: number): Promise<Content> {
  const { handle, size } = await openRegularFileForSending(file);
  const end = Math.min(size, limit);
  if (end <= 0) {
    await handle.close();
    return [];
  }
  return handle.createReadStream({ start: 0, end: end - 1, highWaterMark: DOWNLOAD_READ_BYTES, autoClose: true }) as AsyncIterable<Buffer>;
}
