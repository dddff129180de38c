import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { NewFileWrites } from './new-file-writes';
import { PRIVATE_FILE_MODE } from './private-modes';
import type { WriterBatch, WriterReply, WriterThreadData } from './whole-file-worker-protocol';

/**
 * A thread of a BackgroundFileWriter (whole-file-writer.ts), started through module-worker.ts.
 * Each write job creates its target new (O_EXCL, so an existing file, hard link or planted
 * symbolic link is never opened for writing) or, when the name is taken, writes a temporary file
 * beside it and renames that over it; files are created 0600 (private-modes.ts). A failed job
 * removes what it created. A rename job is a MoveItems entry already checked by the engine: a
 * rename, and when a folder stands at the destination, that folder removed first (protocol.md
 * §3.6.7), which the reply counts. After the first failure the thread writes nothing more: the
 * backup is over, and its staging folder will be deleted. Synchronous calls throughout: this
 * thread does nothing else, and one system call costs far less than a hand-off to libuv's pool.
 */

const port = parentPort;
if (!port) throw new Error('whole-file-worker.ts runs only as a worker thread (see whole-file-writer.ts).');
const { tempPrefix } = workerData as WriterThreadData;
let tempCounter = 0;
let failed = false;

/** How each file is created: big ones around the page cache where the file system allows (new-file-writes.ts). */
const writes = new NewFileWrites();

function writeNewFile(target: string, bytes: Uint8Array): void {
  try {
    writes.create(target, bytes, PRIVATE_FILE_MODE);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  tempCounter += 1;
  const file = path.join(path.dirname(target), tempPrefix + tempCounter.toString(36));
  writes.create(file, bytes, PRIVATE_FILE_MODE);
  try {
    fs.renameSync(file, target);
  } catch (error) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // The rename's own error is the one to report; a leftover temporary file is recognisable by its prefix and swept later.
    }
    throw error;
  }
}

const FOLDER_IN_THE_WAY = new Set(['EISDIR', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR']);

/** Renames over `to`; returns true when a folder there had to be removed first. */
function moveReplacing(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return false;
  } catch (error) {
    if (!FOLDER_IN_THE_WAY.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    fs.rmSync(to, { recursive: true, force: true });
    fs.renameSync(from, to);
    return true;
  }
}

function runBatch(message: WriterBatch): WriterReply {
  const data = message.buffers.map((buffer) => new Uint8Array(buffer));
  const paths = message.paths.split('\0');
  const { layout } = message;
  let next = 0;
  let written = 0;
  let bytes = 0;
  let foldersReplaced = 0;
  let failure: WriterReply['failure'];
  for (let index = 0; index < layout.length; index += 3) {
    if (failed) break;
    const buffer = layout[index] as number;
    const offset = layout[index + 1] as number;
    const length = layout[index + 2] as number;
    let target = '';
    try {
      if (buffer < 0) {
        const from = paths[next++] as string;
        target = paths[next++] as string;
        if (moveReplacing(from, target)) foldersReplaced += 1;
      } else {
        target = paths[next++] as string;
        writeNewFile(target, (data[buffer] as Uint8Array).subarray(offset, offset + length));
        written += 1;
        bytes += length;
      }
    } catch (error) {
      failed = true;
      const problem = error as NodeJS.ErrnoException;
      failure = { target, code: problem.code, errno: problem.errno, message: String(problem.message) };
    }
  }
  return { batch: message.batch, buffers: message.buffers, written, bytes, foldersReplaced, failure };
}

port.on('message', (message: WriterBatch) => {
  const reply = runBatch(message);
  port.postMessage(reply, [...reply.buffers]);
});
