import fs from 'node:fs/promises';
import { RemoteFileError, type IncomingFile } from '../../device/services';
import type { NewFile } from '../store';
import { BackupError } from '../backup-error';
import type { DriveContext } from './drive-context';
import { GATHER_BUFFER_BYTES, GatheredContent } from './gathered-content';
import { putBackPlaced } from './background-work';
import { DL_STATUS, statusForError } from './status-codes';
import { WriteQueue } from './write-queue';

/**
 * DLMessageUploadFiles (protocol.md §3.6.2): the device streams files to us. Each file is written
 * to a new temporary file beside its destination and renamed into place when complete, so a cut
 * stream never leaves a half file under a real name. A path outside the backup folder stops the
 * run before anything is written. A local write failure (disk full) does not desynchronise the
 * stream: the rest is read and dropped, and the status response carries the errno code (§3.7).
 *
 * Speed: a file that arrives whole in memory (up to 8 MiB: nearly all) goes to the store's
 * background writer (whole-file-writer.ts), which the DL loop settles before any other request;
 * its failure is reported in the next status response. Larger files stream to disk in big writes
 * with one write in flight while the next bytes are read, through a bounded WriteQueue drained
 * before the batch's status response, so an error there is reported for its own batch.
 */

/**
 * Files up to this size are gathered in memory and written whole by the background writer: every
 * photo; only videos and the like are streamed.
 */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024;
/** At most this many files, and this many bytes, wait for the disk at once. */
const QUEUE_MAX_FILES = 32;
const QUEUE_MAX_BYTES = 32 * 1024 * 1024;

export async function receiveUploads(context: DriveContext): Promise<void> {
  const { deviceLink, paths, progress, stats } = context;
  progress.uploadAnnounced();
  const queue = new WriteQueue(QUEUE_MAX_FILES, QUEUE_MAX_BYTES);
  /** Targets with a write in flight: a second upload to the same name waits for the first. */
  const inFlight = new Map<string, Promise<void>>();
  let failure: unknown;
  const fail = (error: unknown): void => {
    failure ??= error;
    stats.writeFailure ??= error;
  };
  try {
    for await (const file of deviceLink.receiveFiles()) {
      progress.fileStarted(file.deviceName);
      let target = paths.resolve(file.destinationPath);
      if (failure === undefined && queue.hasFailed) fail(queue.error);
      if (failure === undefined && context.fileWriter.failure) fail(context.fileWriter.failure);
      const discard = context.uploadFilter?.discard(file.deviceName, file.destinationPath) === true;
      if (failure !== undefined || discard) {
        // Nothing is written, but a link on the way is still refused (the device is untrusted).
        await paths.prepareParentFolders(target, file.destinationPath, { create: false }).catch(rethrowHostile);
        if (failure !== undefined) {
          await file.skip();
          continue;
        }
        const before = file.bytesReceived;
        await countedSkip(file, context);
        stats.discardedBytes += file.bytesReceived - before;
        stats.discardedFiles += 1;
        stats.discardedPaths.add(target);
        paths.known.forgetFile(target);
        // A discarded file must not linger under its name from an earlier run either.
        await inFlight.get(target);
        if (context.fileWriter.isPending(target)) await context.fileWriter.settle();
        await fs.rm(target, { force: true });
        progress.fileFinished();
        progress.reportThrottled();
        continue;
      }
      // Where placing ahead (placed-ahead.ts) writes it; a file placed where this one goes, or one
      // it might alias on a disk that ignores case, is put back first, as the phone sees it.
      let placed = context.placedAhead.placeUpload(target, paths);
      if (placed === undefined) {
        await Promise.all(inFlight.values());
        await putBackPlaced(context);
        placed = target;
      }
      target = placed;
      // The usual case, without a promise per file: complete in memory, its folder already
      // checked, and nothing else on its way to the same name.
      // (inFlight holds only streamed files, over 8 MiB: usually empty, and asking it would hash
      // the ~100-character target of every file.)
      if (paths.isParentChecked(target) && (inFlight.size === 0 || !inFlight.has(target))) {
        // The writer copies the lent pieces before it returns (whole-file-writer.ts).
        const taken = file.withCompleteContent((pieces) => {
          for (const piece of pieces) progress.bytesReceived(piece.length);
          return context.fileWriter.write(target, pieces);
        });
        if (taken !== undefined) {
          if (taken.value !== undefined) await taken.value;
          paths.known.addOwnFile(target);
          progress.fileFinished();
          progress.reportThrottled();
          continue;
        }
      }
      try {
        await paths.prepareParentFolders(target, file.destinationPath, { create: true });
      } catch (error) {
        if (error instanceof BackupError) throw error;
        // A file sitting where a folder must go is the device's business; the errno tells it.
        context.placedAhead.uploadFailed(target);
        fail(error);
        await file.skip();
        continue;
      }
      try {
        await receiveOne(file, target, context, queue, inFlight);
        progress.fileFinished();
      } catch (error) {
        // Nothing was written at a placed destination (placed-ahead.ts): it is not placed any more.
        context.placedAhead.uploadFailed(target);
        if (error instanceof RemoteFileError) {
          stats.remoteFailures.push(file.destinationPath);
          continue;
        }
        if (isLocalWriteError(error)) {
          fail(error);
          await file.skip();
          continue;
        }
        throw error;
      }
      progress.reportThrottled();
    }
  } finally {
    // Never leave a write running behind a broken stream: staging may be deleted next.
    await queue.drain();
  }
  if (failure === undefined && queue.hasFailed) fail(queue.error);
  if (failure === undefined && context.fileWriter.failure) fail(context.fileWriter.failure);
  if (failure === undefined) {
    await deviceLink.sendStatusResponse(DL_STATUS.ok, undefined, {});
  } else {
    const status = statusForError(failure);
    await deviceLink.sendStatusResponse(status.code, status.description, {});
  }
}

/**
 * Reads one file off the wire and hands its writing to the queue. Its pieces are lent by the
 * socket reader and copied within the loan into the run's reused gathering buffers (gathered-content.ts).
 * Up to WHOLE_FILE_BYTES the file is kept whole; past that it is streamed into a temporary file
 * a buffer at a time, with one write in flight while the next bytes are read.
 */
async function receiveOne(file: IncomingFile, target: string, context: DriveContext, queue: WriteQueue, inFlight: Map<string, Promise<void>>): Promise<void> {
  const { progress, storeFs, stats } = context;
  const gathered = new GatheredContent(context.gatherBuffers);
  let total = 0;
  let output: NewFile | undefined;
  let writing: Promise<void> | undefined;
  let writeError: unknown;
  const flush = async (everything: boolean): Promise<void> => {
    await writing;
    if (writeError !== undefined) throw markLocal(writeError);
    const run = everything ? gathered.takeAll() : gathered.takeFull();
    if (run.bytes === 0) {
      context.gatherBuffers.giveBack(run.buffers);
      return;
    }
    const handle = output as NewFile;
    // One write in flight while the next bytes are read; its error surfaces at the next flush.
    writing = (async () => {
      try {
        for (const piece of run.pieces) await handle.write(piece);
      } catch (error) {
        writeError = error;
      } finally {
        context.gatherBuffers.giveBack(run.buffers);
      }
    })();
  };
  try {
    // Each lent piece is copied into the run's gathering buffers within its loan.
    for await (const length of file.lentPieces((piece) => gathered.append(piece))) {
      progress.bytesReceived(length);
      total += length;
      if (total > WHOLE_FILE_BYTES && gathered.hasFullBuffer) {
        if (output === undefined) {
          await inFlight.get(target);
          if (context.fileWriter.isPending(target)) await context.fileWriter.settle();
          output = await storeFs.createFile(target).catch((error: unknown) => {
            throw markLocal(error);
          });
        }
        await flush(false);
      }
    }
  } catch (error) {
    if (output !== undefined) {
      await writing;
      await output.abort();
    }
    gathered.release();
    throw error;
  }

  await inFlight.get(target);
  if (output === undefined) {
    try {
      // The writer copies the bytes before it returns or waits, so the buffers are free after.
      const queued = context.fileWriter.write(target, gathered.views());
      if (queued !== undefined) await queued;
      context.paths.known.addOwnFile(target);
    } finally {
      gathered.release();
    }
    return;
  }
  const streamed = output;
  const job = async (): Promise<void> => {
    try {
      await flush(true);
      await writing;
      if (writeError !== undefined) throw writeError;
      await streamed.commit();
    } catch (error) {
      await streamed.abort();
      throw error;
    } finally {
      gathered.release();
    }
  };
  await queue.add(Math.min(gathered.bytes, GATHER_BUFFER_BYTES), async () => {
    const done = job().then(() => {
      stats.filesWritten += 1;
      stats.bytesWritten += total;
    });
    inFlight.set(target, done.catch(() => undefined));
    try {
      await done;
    } finally {
      inFlight.delete(target);
    }
  });
}

async function countedSkip(file: IncomingFile, context: DriveContext): Promise<void> {
  try {
    // Only counted, never kept: the pieces can be lent.
    for await (const length of file.lentPieces((piece) => piece.length)) context.progress.bytesReceived(length);
  } catch (error) {
    if (!(error instanceof RemoteFileError)) throw error;
  }
}

function rethrowHostile(error: unknown): void {
  // Only a refused path matters for a file that is dropped anyway; a missing folder does not.
  if (error instanceof BackupError) throw error;
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
