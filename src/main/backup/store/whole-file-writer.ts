import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { KnownTree } from './known-tree';
import { startModuleWorker } from './module-worker';
import type { WriterBatch, WriterReply, WriterThreadData } from './whole-file-worker-protocol';

/**
 * Writes whole files (an upload that arrived complete in memory, most of a backup) on background
 * threads, so the engine goes on reading the device's stream while the disk works, and the per-
 * file cost is a few synchronous system calls on a writer thread instead of three hand-offs to
 * libuv's pool (open, write, close) on the main one: on a many-small backup those hand-offs, not
 * the disk, were most of Lifeboat's time (bench/README.md).
 *
 * Files are created new (O_EXCL) and never written in place; see whole-file-worker.ts.
 * Files of one folder always go to the same thread, in order, so two writes to one name land in
 * the order they were queued and threads do not contend for a folder. Memory is bounded: write()
 * waits while too many bytes or files are queued. The first failure is kept (`failure`) and stops
 * all later writes; the engine reports it to the device and ends the backup.
 */
export interface WholeFileWriter {
  /**
   * Queues `content` (one buffer, or the pieces it arrived in) as the new content of `target`.
   * Returns a promise only when the queue is full, resolved once the file is queued: a caller
   * writing thousands of small files pays no promise per file. The bytes are copied, so the
   * caller may reuse or drop its buffers at once.
   */
  write(target: string, content: Uint8Array | readonly Uint8Array[]): Promise<void> | undefined;
  /**
   * Queues a MoveItems rename after everything queued so far (all renames go to one thread, in
   * order), for paths the engine checked; a folder at `to` is removed first (§3.6.7). A failure
   * (even ENOENT) is the writer's failure. Like write(), returns a promise only when the queue is
   * full, resolved once the rename is queued: wait for it before queueing anything else. Why: a
   * million-file backup ends with a million renames, which the engine queues faster than one
   * thread carries them out; unbounded, they held hundreds of megabytes (bench/README.md, huge).
   */
  rename(from: string, to: string): Promise<void> | undefined;
  /** Whether a queued write to `target` has not finished yet. */
  isPending(target: string): boolean;
  /** The first write that failed, as an errno error (code, errno, path), once known. */
  readonly failure: Error | undefined;
  readonly filesWritten: number;
  readonly bytesWritten: number;
  /** Waits until every queued write has finished (or the writer failed). */
  settle(): Promise<void>;
  /** settle(), then stops the threads. Safe to call twice. */
  close(): Promise<void>;
}

interface WholeFileWriterOptions {
  /** Temporary names (for a name that is taken) start with this; a per-writer token follows. */
  readonly tempPrefix: string;
  readonly threads?: number;
  /** Queued and in-flight bytes before write() waits. */
  readonly maxBytesQueued?: number;
  /** Queued and in-flight files before write() waits. */
  readonly maxFilesQueued?: number;
  /**
   * The run's path cache (ConfinedPaths.known): invalidated as soon as a reply says a queued
   * rename had to remove a folder, so no caller has to remember to ask.
   */
  readonly known?: KnownTree;
}

type Job = { readonly target: string; readonly offset: number; readonly length: number } | { readonly from: string; readonly to: string };

interface OpenBatch {
  readonly jobs: Job[];
  /** Content is copied in as it is queued, so no socket buffer is kept alive by a waiting file. */
  readonly buffer: ArrayBuffer;
  bytes: number;
}

interface PostedBatch {
  readonly lane: Lane;
  /** Write targets (renames are not tracked by name). */
  readonly targets: readonly string[];
  readonly jobs: number;
  readonly bytes: number;
}

interface Lane {
  readonly worker: Worker;
  open: OpenBatch | undefined;
  /** Batches posted to this lane's thread and not yet back. */
  inFlight: number;
}

/**
 * A batch goes to its thread at this size, or at the end of the current turn of the event loop
 * when its thread has fewer than IN_FLIGHT_PER_LANE batches, or as soon as one comes back.
 */
const BATCH_FILES = 64;
const BATCH_BYTES = 128 * 1024;
/**
 * Batches handed to threads and not yet back. A quiet device makes small batches (one per turn
 * of the event loop), so this, not only the byte count, bounds the buffers in use.
 */
const MAX_BATCHES_POSTED = 64;
/**
 * A thread with this many batches to do gets the next one when one comes back, not at the end of
 * the turn: one batch it is writing and one waiting keep it busy, and the files queued meanwhile
 * go out together. Posting at every turn made a batch of about one file each on the `large` phone
 * (a postMessage, a transfer and a reply per file: ~5 s of the main thread's 23 s in a CPU profile).
 */
const IN_FLIGHT_PER_LANE = 2;
const MIB = 1024 * 1024;
/** Spare buffers kept per big size (bounded: at most a few tens of MB). */
const SPARE_BIG_BUFFERS = 3;

export class BackgroundFileWriter implements WholeFileWriter {
  private readonly lanes: Lane[];
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly posted = new Map<number, PostedBatch>();
  private readonly pendingTargets = new Map<string, number>();
  /** Buffers back from the threads, by capacity (BATCH_BYTES, or whole MiBs for big files). */
  private readonly spareBuffers = new Map<number, ArrayBuffer[]>();
  private nextBatch = 1;
  private bytesQueued = 0;
  private filesQueued = 0;
  private flushScheduled = false;
  private batches = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  /** A thread died: nothing it had will be acknowledged. */
  private lost = false;
  private firstFailure: Error | undefined;
  private written = 0;
  private writtenBytes = 0;
  private readonly known: KnownTree | undefined;

  constructor(options: WholeFileWriterOptions) {
    this.maxBytes = options.maxBytesQueued ?? 16 * 1024 * 1024;
    this.maxFiles = options.maxFilesQueued ?? 2048;
    this.known = options.known;
    const token = randomBytes(6).toString('hex');
    this.lanes = Array.from({ length: Math.max(1, options.threads ?? 2) }, (_unused, index) => {
      const threadData: WriterThreadData = { tempPrefix: `${options.tempPrefix}${token}-w${index}-` };
      const worker = startModuleWorker('whole-file-worker', import.meta.url, { ...threadData });
      worker.on('message', (reply: WriterReply) => this.onReply(reply));
      worker.on('error', (error) => this.onThreadLost(error));
      worker.on('exit', (code) => {
        if (!this.closed) this.onThreadLost(new Error(`A file-writing thread stopped unexpectedly (exit code ${code}).`));
      });
      return { worker, open: undefined, inFlight: 0 };
    });
  }

  get failure(): Error | undefined {
    return this.firstFailure;
  }

  get filesWritten(): number {
    return this.written;
  }

  get bytesWritten(): number {
    return this.writtenBytes;
  }

  /** Batches handed to the threads so far: what the batching saves is counted here (tests). */
  get batchesPosted(): number {
    return this.batches;
  }

  write(target: string, content: Uint8Array | readonly Uint8Array[]): Promise<void> | undefined {
    if (this.closed) throw new Error('The file writer is closed.');
    refuseNul(target);
    const pieces = content instanceof Uint8Array ? [content] : content;
    let length = 0;
    for (const piece of pieces) length += piece.length;
    if (this.mustWait(length)) {
      // The caller may pass lent read memory (ByteReader.lendBufferedPieces), whose loan ends when
      // this call returns: the file is copied into a batch buffer of its own now and posted when there is
      // room. Only one file waits at a time (the caller waits for it), so memory stays bounded.
      const buffer = this.takeBuffer(length);
      copyPieces(buffer, 0, pieces);
      return this.postWhenThereIsRoom(target, buffer, length);
    }
    this.enqueue(target, pieces, length);
    return undefined;
  }

  private mustWait(length: number): boolean {
    return this.firstFailure === undefined && this.filesQueued > 0 && (this.filesQueued >= this.maxFiles || this.bytesQueued + length > this.maxBytes || this.posted.size >= MAX_BATCHES_POSTED);
  }

  private async postWhenThereIsRoom(target: string, buffer: ArrayBuffer, length: number): Promise<void> {
    while (this.mustWait(length)) {
      this.flushAll();
      await this.nextReply();
    }
    if (this.firstFailure !== undefined) return;
    const lane = this.laneOf(target);
    // What the lane already holds goes first: files of one folder are written in queue order.
    this.flush(lane);
    lane.open = { jobs: [], buffer, bytes: 0 };
    this.addJob(lane, target, length);
  }

  private enqueue(target: string, pieces: readonly Uint8Array[], length: number): void {
    // After a failure nothing more is written (the threads drop it too); the caller reads `failure`.
    if (this.firstFailure !== undefined) return;
    const lane = this.laneOf(target);
    if (lane.open !== undefined && lane.open.bytes + length > lane.open.buffer.byteLength) this.flush(lane);
    lane.open ??= { jobs: [], buffer: this.takeBuffer(length), bytes: 0 };
    copyPieces(lane.open.buffer, lane.open.bytes, pieces);
    this.addJob(lane, target, length);
  }

  /** Records a file whose bytes were just put at the end of the lane's open batch. */
  private addJob(lane: Lane, target: string, length: number): void {
    const batch = lane.open as OpenBatch;
    batch.jobs.push({ target, offset: batch.bytes, length });
    batch.bytes += length;
    this.bytesQueued += length;
    this.filesQueued += 1;
    this.pendingTargets.set(target, (this.pendingTargets.get(target) ?? 0) + 1);
    if (batch.jobs.length >= BATCH_FILES || batch.bytes >= batch.buffer.byteLength) this.flush(lane);
    else this.scheduleFlush(lane);
  }

  private laneOf(target: string): Lane {
    return this.lanes[laneIndex(path.dirname(target), this.lanes.length)] as Lane;
  }

  rename(from: string, to: string): Promise<void> | undefined {
    if (this.closed) throw new Error('The file writer is closed.');
    refuseNul(from);
    refuseNul(to);
    if (this.mustWait(0)) return this.renameWhenThereIsRoom(from, to);
    this.enqueueRename(from, to);
    return undefined;
  }

  private async renameWhenThereIsRoom(from: string, to: string): Promise<void> {
    while (this.mustWait(0)) {
      this.flushAll();
      await this.nextReply();
    }
    this.enqueueRename(from, to);
  }

  private enqueueRename(from: string, to: string): void {
    if (this.firstFailure !== undefined) return;
    // One thread for all renames: a later move may depend on an earlier one (A→B, then B→C).
    const lane = this.lanes[0] as Lane;
    // A batch of renames carries no content: no 128 KiB batch buffer for it (each posted one used
    // to hold one, which is how a huge backup's queued renames reached 800 MB of buffers).
    const batch = (lane.open ??= { jobs: [], buffer: new ArrayBuffer(0), bytes: 0 });
    batch.jobs.push({ from, to });
    this.filesQueued += 1;
    if (batch.jobs.length >= BATCH_FILES) this.flush(lane);
    else this.scheduleFlush(lane);
  }

  isPending(target: string): boolean {
    return this.pendingTargets.has(target);
  }

  async settle(): Promise<void> {
    this.flushAll();
    while (this.posted.size > 0 && !this.lost) await this.nextReply();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  /** A lane whose thread is busy is posted to when a batch comes back (onReply), not at the turn's end. */
  private scheduleFlush(lane: Lane): void {
    if (this.flushScheduled || lane.inFlight >= IN_FLIGHT_PER_LANE) return;
    this.flushScheduled = true;
    // After the data already read from the socket has been handled: batches fill up under load
    // and still go out at once when the device pauses.
    setImmediate(() => {
      this.flushScheduled = false;
      for (const each of this.lanes) if (each.inFlight < IN_FLIGHT_PER_LANE) this.flush(each);
    });
  }

  private flushAll(): void {
    for (const lane of this.lanes) this.flush(lane);
  }

  /** Hands the batch to its thread; the buffer is transferred, not copied. */
  private flush(lane: Lane): void {
    const batch = lane.open;
    if (batch === undefined) return;
    lane.open = undefined;
    const buffer = batch.buffer;
    const id = this.nextBatch;
    this.nextBatch += 1;
    const targets: string[] = [];
    const paths: string[] = [];
    const layout = new Float64Array(batch.jobs.length * 2);
    batch.jobs.forEach((job, index) => {
      if ('target' in job) {
        targets.push(job.target);
        paths.push(job.target);
        layout[2 * index] = job.offset;
        layout[2 * index + 1] = job.length;
      } else {
        paths.push(job.from, job.to);
        layout[2 * index] = -1;
      }
    });
    this.posted.set(id, { lane, targets, jobs: batch.jobs.length, bytes: batch.bytes });
    lane.inFlight += 1;
    this.batches += 1;
    const message: WriterBatch = { batch: id, buffer, paths: paths.join('\0'), layout };
    lane.worker.postMessage(message, [buffer, layout.buffer]);
  }

  /** A batch buffer: reused ones come back from the threads, so a backup allocates only a few. */
  private takeBuffer(atLeast: number): ArrayBuffer {
    // Big files (photos) get a whole number of MiB, so their buffers are reused too: allocating
    // and faulting in megabytes per photo, and the collections that triggered, cost more than the copy.
    const capacity = atLeast <= BATCH_BYTES ? BATCH_BYTES : Math.ceil(atLeast / MIB) * MIB;
    // allocUnsafeSlow: a buffer of its own (transferable) and not zero-filled, since it is overwritten.
    return this.spareBuffers.get(capacity)?.pop() ?? Buffer.allocUnsafeSlow(capacity).buffer;
  }

  private onReply(reply: WriterReply): void {
    if (reply.buffer.byteLength > 0) this.keepSpare(reply.buffer);
    const batch = this.posted.get(reply.batch);
    if (batch === undefined) return;
    this.posted.delete(reply.batch);
    this.written += reply.written;
    if (reply.foldersReplaced > 0) this.known?.invalidate();
    this.writtenBytes += reply.bytes;
    this.release(batch);
    if (reply.failure !== undefined && this.firstFailure === undefined) {
      const { target, code, errno, message } = reply.failure;
      this.firstFailure = Object.assign(new Error(message), { code, errno, path: target });
    }
    // What was queued for this thread while it was busy goes now, in one batch.
    if (batch.lane.inFlight < IN_FLIGHT_PER_LANE) this.flush(batch.lane);
    this.wake();
  }

  /** Enough batch buffers for the posted limit; a few of each big size. */
  private keepSpare(buffer: ArrayBuffer): void {
    const spares = this.spareBuffers.get(buffer.byteLength) ?? [];
    if (spares.length < (buffer.byteLength === BATCH_BYTES ? MAX_BATCHES_POSTED : SPARE_BIG_BUFFERS)) {
      spares.push(buffer);
      this.spareBuffers.set(buffer.byteLength, spares);
    }
  }

  private onThreadLost(error: Error): void {
    this.lost = true;
    this.firstFailure ??= error;
    for (const batch of this.posted.values()) this.release(batch);
    this.posted.clear();
    this.wake();
  }

  private release(batch: PostedBatch): void {
    batch.lane.inFlight -= 1;
    this.bytesQueued -= batch.bytes;
    this.filesQueued -= batch.jobs;
    for (const target of batch.targets) {
      const count = (this.pendingTargets.get(target) ?? 1) - 1;
      if (count > 0) this.pendingTargets.set(target, count);
      else this.pendingTargets.delete(target);
    }
  }

  private nextReply(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Paths travel to the threads joined by NUL; ConfinedPaths refuses it already, this keeps it so. */
function refuseNul(target: string): void {
  if (target.includes('\0')) throw new Error(`A path with a NUL character cannot be written: ${JSON.stringify(target)}`);
}

function copyPieces(buffer: ArrayBuffer, offset: number, pieces: readonly Uint8Array[]): void {
  const view = new Uint8Array(buffer);
  let at = offset;
  for (const piece of pieces) {
    view.set(piece, at);
    at += piece.length;
  }
}

/** FNV-1a of the folder name: the same folder always goes to the same thread. */
function laneIndex(folder: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < folder.length; index += 1) {
    hash ^= folder.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
