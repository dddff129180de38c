import fs from 'node:fs/promises';
import path from 'node:path';
import { RemoteFileError, type IncomingFile } from '../../device/services';
import type { NewFile } from '../store';
import { BackupError } from '../backup-error';
import type { DriveContext } from './drive-context';
import { DL_STATUS, statusForError } from './status-codes';

/**
 * DLMessageUploadFiles (protocol.md §3.6.2): the device streams files to us. Each file is written
 * to a new temporary file beside its destination and renamed into place when complete, so a cut
 * stream never leaves a half file under a real name. A path outside the backup folder stops the
 * run before anything is written. A local write failure (disk full) does not desynchronise the
 * stream: the rest is read and dropped, and the status response carries the errno code (§3.7).
 */
export async function receiveUploads(context: DriveContext, sizeHint: number | undefined): Promise<void> {
  const { deviceLink, paths, progress, stats } = context;
  progress.uploadAnnounced(sizeHint);
  let failure: unknown;
  for await (const file of deviceLink.receiveFiles()) {
    progress.fileStarted(file.deviceName);
    const target = await paths.resolveChecked(file.destinationPath);
    if (failure !== undefined) {
      await file.skip();
      continue;
    }
    if (context.uploadFilter?.discard(file.deviceName, file.destinationPath)) {
      const before = file.bytesReceived;
      await countedSkip(file, context);
      stats.discardedBytes += file.bytesReceived - before;
      stats.discardedFiles += 1;
      stats.discardedPaths.add(target);
      // A discarded file must not linger under its name from an earlier run either.
      await fs.rm(target, { force: true });
      progress.fileFinished();
      progress.report();
      continue;
    }
    try {
      await writeUpload(file, target, context);
      progress.fileFinished();
    } catch (error) {
      if (error instanceof RemoteFileError) {
        stats.remoteFailures.push(file.destinationPath);
        continue;
      }
      if (isLocalWriteError(error)) {
        failure = error;
        stats.writeFailure ??= error;
        await file.skip();
        continue;
      }
      throw error;
    }
    progress.report();
  }
  if (failure === undefined) {
    await deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, {});
  } else {
    const status = statusForError(failure);
    await deviceLink.sendStatusResponse(status.code, status.description, {});
  }
}

async function writeUpload(file: IncomingFile, target: string, context: DriveContext): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true }).catch(async (error: unknown) => {
    // A file sitting where a folder must go is the device's business; the errno tells it.
    throw markLocal(error);
  });
  let output: NewFile;
  try {
    output = await context.storeFs.createFile(target);
  } catch (error) {
    throw markLocal(error);
  }
  let written = 0;
  try {
    for await (const chunk of file.chunks()) {
      context.progress.bytesReceived(chunk.length);
      try {
        await output.write(chunk);
      } catch (error) {
        throw markLocal(error);
      }
      written += chunk.length;
    }
    try {
      await output.commit();
    } catch (error) {
      throw markLocal(error);
    }
  } catch (error) {
    await output.abort();
    throw error;
  }
  context.stats.filesWritten += 1;
  context.stats.bytesWritten += written;
}

async function countedSkip(file: IncomingFile, context: DriveContext): Promise<void> {
  try {
    for await (const chunk of file.chunks()) context.progress.bytesReceived(chunk.length);
  } catch (error) {
    if (!(error instanceof RemoteFileError)) throw error;
  }
}

const LOCAL = Symbol('local-write-error');

function markLocal(error: unknown): unknown {
  if (error instanceof BackupError) return error;
  if (typeof error === 'object' && error !== null) (error as Record<symbol, boolean>)[LOCAL] = true;
  return error;
}

function isLocalWriteError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, boolean>)[LOCAL] === true;
}
