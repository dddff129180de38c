import { randomBytes } from 'node:crypto';
import type { KnownTree } from './known-tree';
import type { WriterReply } from './whole-file-worker-protocol';
import { type PostedBatch, WriterLanes } from './writer-lanes';

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

/**
 * The accounting and flow control of the writer: what is queued, which names are pending, the
 * first failure, who waits for room. How jobs are batched and handed to the threads is
 * writer-lanes.ts.
 */
export class BackgroundFileWriter implements WholeFileWriter {
  private readonly lanes: WriterLanes;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private bytesQueued = 0;
  private filesQueued = 0;
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
    this.lanes = new WriterLanes({
      tempPrefix: `${options.tempPrefix}${randomBytes(6).toString('hex')}-`,
      threads: options.threads ?? 2,
      onReply: (reply, batch) => this.onReply(reply, batch),
      onThreadLost: (error) => this.onThreadLost(error),
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
    return this.lanes.batchesPosted;
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
      return this.postWhenThereIsRoom(target, this.lanes.copyAside(pieces, length), length);
    }
    // After a failure nothing more is written (the threads drop it too); the caller reads `failure`.
    if (this.firstFailure !== undefined) return undefined;
    this.counted(length);
    this.lanes.addWrite(target, pieces, length);
    return undefined;
  }

  private mustWait(length: number): boolean {
    return this.firstFailure === undefined && this.filesQueued > 0 && (this.filesQueued >= this.maxFiles || this.bytesQueued + length > this.maxBytes || this.lanes.full);
  }

  private async postWhenThereIsRoom(target: string, buffer: ArrayBuffer, length: number): Promise<void> {
    while (this.mustWait(length)) {
      this.lanes.flushAll();
      await this.nextReply();
    }
    if (this.firstFailure !== undefined) return;
    this.counted(length);
    // What the lane already holds goes first: files of one folder are written in queue order.
    this.lanes.addCopiedWrite(target, buffer, length);
  }

  /**
   * Counts a write as queued (before the lanes may post it, and so answer it). No per-name
   * bookkeeping here: isPending() asks the lanes, which hold every queued name anyway. A map of
   * pending names cost two hash-table updates per file on the main thread (a set when queued, a
   * get and a delete when answered), for a question asked only of discarded and streamed files.
   */
  private counted(length: number): void {
    this.bytesQueued += length;
    this.filesQueued += 1;
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
      this.lanes.flushAll();
      await this.nextReply();
    }
    this.enqueueRename(from, to);
  }

  private enqueueRename(from: string, to: string): void {
    if (this.firstFailure !== undefined) return;
    this.filesQueued += 1;
    this.lanes.addRename(from, to);
  }

  isPending(target: string): boolean {
    return this.lanes.holdsWrite(target);
  }

  async settle(): Promise<void> {
    this.lanes.flushAll();
    while (this.lanes.postedCount > 0 && !this.lost) await this.nextReply();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    await this.lanes.stop();
  }

  private onReply(reply: WriterReply, batch: PostedBatch): void {
    this.written += reply.written;
    if (reply.foldersReplaced > 0) this.known?.invalidate();
    this.writtenBytes += reply.bytes;
    this.release(batch);
    if (reply.failure !== undefined && this.firstFailure === undefined) {
      const { target, code, errno, message } = reply.failure;
      this.firstFailure = Object.assign(new Error(message), { code, errno, path: target });
    }
    this.wake();
  }

  private onThreadLost(error: Error): void {
    this.lost = true;
    this.firstFailure ??= error;
    for (const batch of this.lanes.abandonPosted()) this.release(batch);
    this.wake();
  }

  private release(batch: PostedBatch): void {
    this.bytesQueued -= batch.bytes;
    this.filesQueued -= batch.jobs;
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
