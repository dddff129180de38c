import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BackupError } from '../backup-error';

/**
 * The one confinement check for content files named by a backup's file list. A backup folder is
 * untrusted input like the phone: its Manifest.db is a file anyone can write, and a row whose
 * `fileID` is `../../secret/id_rsa` must not make Lifeboat read (extract, preview, export,
 * restore) a file outside the folder, nor a content file that is a symbolic link to `/dev/zero`
 * make it read forever. So:
 *  - a fileID is exactly 40 lowercase hex digits (protocol.md §5.2) before it becomes a path:
 *    `xx/<fileID>` for Manifest.db backups (§5.1), `<fileID>` for old Manifest.mbdb backups (§5.7),
 *    whose fileID Lifeboat computes itself as SHA-1(domain-path), so is hex by construction — it
 *    is checked all the same, so no path is ever built from anything else;
 *  - every component below the backup folder is looked at with lstat: a symbolic link, or anything
 *    that is not a folder on the way and a regular file at the end, is refused (the file is opened
 *    with O_NOFOLLOW | O_NONBLOCK and checked again, so it cannot be swapped for a link or a FIFO
 *    in between);
 *  - a read never yields more than the size the file list records (for an encrypted file the
 *    padded size, §6.5): a longer file is read only up to there.
 */

/** A fileID as Manifest.db stores it (§5.2). */
const FILE_ID = /^[0-9a-f]{40}$/;

type FileListFormat = 'manifest-db' | 'manifest-mbdb';

/** Whether `fileId` is 40 lowercase hex digits, the only fileID Lifeboat turns into a path. */
function isValidFileId(fileId: string): boolean {
  return FILE_ID.test(fileId);
}

function hostileFileId(fileId: string): BackupError {
  const shown = JSON.stringify(fileId.length > 80 ? `${fileId.slice(0, 80)}…` : fileId);
  return new BackupError('corrupt', `The backup's file list names a content file ${shown}, which is not a file ID (40 hex digits); the backup is damaged or was made to reach files outside its folder, so nothing was read from it.`);
}

/**
 * Where the content of the row `fileId` sits in a backup folder, `/`-separated (§5.1, §5.7).
 * Throws BackupError `corrupt` for a fileID that is not 40 lowercase hex digits.
 */
export function contentPathOf(format: FileListFormat, fileId: string): string {
  if (!isValidFileId(fileId)) throw hostileFileId(fileId);
  return format === 'manifest-db' ? `${fileId.slice(0, 2)}/${fileId}` : fileId;
}

function notRegular(shown: string, why: string): BackupError {
  return new BackupError('corrupt', `The content file of ${shown} ${why}; a backup holds only plain files, so it was not read (the backup is damaged or was made to reach files outside its folder).`);
}

/**
 * Whether the content file at `contentPath` (from contentPathOf) is in `folder`: `false` when it
 * is missing, BackupError `corrupt` when something other than folders and a regular file (a link,
 * a device, a FIFO) stands on the way. `shown` names the entry in the sentence.
 */
export function isContentPresent(folder: string, contentPath: string, shown: string): boolean {
  let current = path.resolve(folder);
  const parts = contentPath.split('/');
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw new BackupError('io', `The content file of ${shown} cannot be looked at (${(error as Error).message}).`, { cause: error });
    }
    if (stat.isSymbolicLink()) throw notRegular(shown, 'is reached through a symbolic link');
    const last = index === parts.length - 1;
    if (last ? !stat.isFile() : !stat.isDirectory()) throw notRegular(shown, last ? 'is not a regular file' : 'sits below something that is not a folder');
  }
  return true;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Opens the content file at `contentPath` in `folder` for reading at most `maxBytes` bytes (the
 * size the file list records; padded for an encrypted file). BackupError `not-found` when it is
 * missing, `corrupt` when it is not a regular file reached without links.
 */
export function openContentFile(folder: string, contentPath: string, maxBytes: number, shown: string): Readable {
  if (!isContentPresent(folder, contentPath, shown)) {
    throw new BackupError('not-found', `${shown} is listed in the backup but its content file (${contentPath}) is not in the folder; the backup is incomplete.`);
  }
  const file = path.join(path.resolve(folder), ...contentPath.split('/'));
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw notRegular(shown, 'is a symbolic link');
    throw new BackupError('io', `The content file of ${shown} cannot be opened (${(error as Error).message}).`, { cause: error });
  }
  // Checked again on the open file: the name may have been swapped since the lstat.
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw notRegular(shown, 'is not a regular file');
  }
  if (maxBytes <= 0) {
    fs.closeSync(fd);
    return Readable.from([]);
  }
  return fs.createReadStream('', { fd, start: 0, end: maxBytes - 1 });
}

/**
 * The most Lifeboat reads of a plist or note at a fixed name in a backup folder (Info.plist with
 * its app icons is the largest real one, tens of MiB); the same as the plist budget's content cap
 * (PLIST_BUDGETS.metadataFile), so a bigger file could not be decoded anyway.
 */
export const MAX_METADATA_FILE_BYTES = 256 * 1024 * 1024;

/** Why a file at a fixed name is not read: EINVAL-coded, for the caller's sentence. */
function notReadable(file: string, why: string): Error {
  return Object.assign(new Error(`${path.basename(file)} ${why}`), { code: 'EINVAL' });
}

/** Refuses what the open file descriptor `fd` of `file` must not be read as (see readRegularFileSync). */
function checkOpened(file: string, stat: fs.Stats, maxBytes: number | undefined): void {
  if (!stat.isFile()) throw notReadable(file, stat.isDirectory() ? 'is a folder, not a file' : 'is not a regular file');
  if (maxBytes !== undefined && stat.size > maxBytes) throw notReadable(file, `is ${stat.size} bytes, more than the ${maxBytes} a real one holds`);
}

/** Opening with O_NONBLOCK: a FIFO opens at once (a plain open waits for a writer) and is then refused by fstat. */
const FIXED_NAME_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * The whole of a file a backup folder holds at a fixed name (Info.plist, Manifest.plist,
 * Status.plist, Manifest.db, Manifest.mbdb, Lifeboat's note), refusing anything but a regular file:
 * a FIFO, a socket or a device there would make a plain read wait or run forever, and a folder
 * cannot be read. The type is checked on the open file (fstat), so it cannot be swapped after a
 * check. Errors are the file system's (ENOENT for a missing one), or an EINVAL-coded error with
 * the reason (not a regular file, larger than `maxBytes`), for the caller's sentence.
 */
export function readRegularFileSync(file: string, maxBytes?: number): Buffer {
  const fd = openRegularFileSync(file, maxBytes);
  try {
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A read-only descriptor of a file a backup folder holds at a fixed name, after the checks of
 * readRegularFileSync: for a file too big to read whole (a million-file Manifest.db is 1 GB).
 * The caller closes it.
 */
export function openRegularFileSync(file: string, maxBytes?: number): number {
  const fd = fs.openSync(file, FIXED_NAME_FLAGS);
  try {
    checkOpened(file, fs.fstatSync(fd), maxBytes);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** readRegularFileSync without blocking the thread: for the engine's and the app's reads of a backup's plists. */
export async function readRegularFile(file: string, maxBytes?: number): Promise<Buffer> {
  const handle = await fs.promises.open(file, FIXED_NAME_FLAGS);
  try {
    checkOpened(file, await handle.stat(), maxBytes);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Opens a file of a backup folder that the phone asked for (DownloadFiles, §3.6.1) after its path
 * was confined (ConfinedPaths.resolveChecked): only a regular file is read, so a FIFO there cannot
 * block the transfer and a device cannot stream forever; `size` is its length when opened, the
 * most the caller should send. Rejects with the errno error the phone's
 * status reply needs: EISDIR for a folder, ELOOP for a link, EINVAL for anything else.
 */
export async function openRegularFileForSending(file: string): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  const handle = await fs.promises.open(file, OPEN_FLAGS);
  const stat = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (stat.isFile()) return { handle, size: stat.size };
  await handle.close();
  const [code, message] = stat.isDirectory() ? ['EISDIR', 'Is a directory'] : ['EINVAL', 'Not a regular file'];
  throw Object.assign(new Error(`${message}: ${file}`), { code });
}

/** What readFileForSendingSync found: the content when it was small enough to read at once, else only the size. */
export type SendableFile = { readonly size: number; readonly content: Buffer } | { readonly size: number; readonly content: undefined };

/**
 * openRegularFileForSending's checks done synchronously, for the many small files of one
 * DownloadFiles request: four system calls (open, fstat, read, close) and no trip through libuv's
 * thread pool per file, which cost a many-small restore ~0.5 ms of CPU per file (bench/README.md).
 * A file of at most `readUpTo` bytes (after `maxBytes`, the recorded size) comes back whole, one
 * of more only sized, to be streamed later through openRegularFileForSending. Throws the same
 * errno errors: ELOOP for a link, EISDIR for a folder, EINVAL for anything else.
 */
export function readFileForSendingSync(file: string, maxBytes: number | undefined, readUpTo: number): SendableFile {
  const fd = fs.openSync(file, OPEN_FLAGS);
  try {
    const size = sizeForSending(fd, file, maxBytes);
    if (size > readUpTo) return { size, content: undefined };
    const content = Buffer.allocUnsafe(size);
    let filled = 0;
    // A file that shrank since the fstat ends early: what it holds is sent, never more than it held.
    while (filled < size) {
      const read = fs.readSync(fd, content, filled, size - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return { size: filled, content: filled === size ? content : content.subarray(0, filled) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * readFileForSendingSync without the read: a file of at most `openUpTo` bytes (after `maxBytes`)
 * comes back open (`fd`, sized), for the download stream to read straight into the memory it sends
 * from and close (SmallLocalFile, device-link-file-sender.ts); a bigger one closed, only sized.
 * Same checks and errors.
 */
export function openFileForSendingSync(file: string, maxBytes: number | undefined, openUpTo: number): { readonly size: number; readonly fd: number | undefined } {
  const fd = fs.openSync(file, OPEN_FLAGS);
  let size: number;
  try {
    size = sizeForSending(fd, file, maxBytes);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  if (size <= openUpTo) return { size, fd };
  fs.closeSync(fd);
  return { size, fd: undefined };
}

/** The bytes of open `fd` to send (at most `maxBytes`); throws EISDIR or EINVAL unless it is a regular file. */
function sizeForSending(fd: number, file: string, maxBytes: number | undefined): number {
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    const [code, message] = stat.isDirectory() ? ['EISDIR', 'Is a directory'] : ['EINVAL', 'Not a regular file'];
    throw Object.assign(new Error(`${message}: ${file}`), { code });
  }
  return Math.min(stat.size, maxBytes ?? stat.size);
}
