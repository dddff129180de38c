/**
 * The code of a WholeFileWriter thread (whole-file-writer.ts), as plain CommonJS source for
 * `new Worker(source, { eval: true })`. A string rather than a module because the same engine
 * runs under tsx, vitest, the CLI and the bundled Electron main process, and only eval'd source
 * loads the same way in all four. Keep it small and dependency-free; the main-thread side is
 * typed and holds all the logic that can be.
 *
 * Protocol (structured clone, one message per batch):
 *   in:  { batch, buffer: ArrayBuffer (transferred), paths: string, layout: Float64Array }
 *        `layout` holds (offset, length) per job, in order: a write of buffer[offset, offset+length)
 *        to the next path, or, where offset is -1, a rename of the next path to the one after it.
 *        `paths` joins the paths with NUL, which no path contains. (Two values to clone on each side
 *        instead of an object per file: a large backup posts thousands of batches.)
 *   out: { batch, buffer (transferred back for reuse), written, bytes, foldersReplaced, failure?: { target, code, errno, message } }
 * Files are created 0600 (private-modes.ts). Each job creates `target` new (O_EXCL, so an existing file, hard link or planted symbolic link
 * is never opened for writing) or, when the name is taken, writes a temporary file beside it and
 * renames that over it. A failed job removes what it created. A `{ from, to }` job is a MoveItems
 * entry already checked by the engine: a rename, and when a folder stands at the destination,
 * that folder removed first (protocol.md §3.6.7), which the reply counts. After the first failure the thread
 * writes nothing more: the backup is over, and its staging folder will be deleted.
 */
export const WHOLE_FILE_WORKER_SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const tempPrefix = workerData.tempPrefix;
let tempCounter = 0;
let failed = false;

function writeAll(fd, bytes) {
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

function writeNewFile(target, bytes) {
  let file = target;
  let fd;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    tempCounter += 1;
    file = path.join(path.dirname(target), tempPrefix + tempCounter.toString(36));
    fd = fs.openSync(file, 'wx', 0o600);
  }
  try {
    writeAll(fd, bytes);
    fs.closeSync(fd);
    fd = undefined;
    if (file !== target) fs.renameSync(file, target);
  } catch (error) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch {}
    }
    try { fs.rmSync(file, { force: true }); } catch {}
    throw error;
  }
}

const FOLDER_IN_THE_WAY = new Set(['EISDIR', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR']);

function moveReplacing(from, to) {
  try {
    fs.renameSync(from, to);
    return false;
  } catch (error) {
    if (!FOLDER_IN_THE_WAY.has(error.code)) throw error;
    fs.rmSync(to, { recursive: true, force: true });
    fs.renameSync(from, to);
    return true;
  }
}

parentPort.on('message', (message) => {
  const data = new Uint8Array(message.buffer);
  const paths = message.paths.split('\0');
  const layout = message.layout;
  let next = 0;
  let written = 0;
  let bytes = 0;
  let foldersReplaced = 0;
  let failure;
  for (let index = 0; index < layout.length; index += 2) {
    if (failed) break;
    const offset = layout[index];
    const length = layout[index + 1];
    let target;
    try {
      if (offset < 0) {
        const from = paths[next++];
        target = paths[next++];
        if (moveReplacing(from, target)) foldersReplaced += 1;
      } else {
        target = paths[next++];
        writeNewFile(target, data.subarray(offset, offset + length));
        written += 1;
        bytes += length;
      }
    } catch (error) {
      failed = true;
      failure = { target, code: error.code, errno: error.errno, message: String(error.message) };
    }
  }
  parentPort.postMessage({ batch: message.batch, buffer: message.buffer, written, bytes, foldersReplaced, failure }, [message.buffer]);
});
`;
