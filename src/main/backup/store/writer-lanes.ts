import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker';
import type { WriterBatch, WriterReply, WriterThreadData } from './whole-file-worker-protocol';

/**
 * The queueing half of a BackgroundFileWriter (whole-file-writer.ts): its threads ("lanes"), the
 * batches it fills for them, when a batch is handed over, and the batch buffers it reuses. The
 * writer keeps the accounting (what is queued, what is pending, the first failure); this file
 * decides only how the jobs travel. Files of one folder always go to the same lane, in order,
 * and every rename to the first lane, in order (a later move may depend on an earlier one).
 */

/** What the writer is told about a batch when its thread answers (or is lost). */
export interface PostedBatch {
  /** Write targets (renames are not tracked by name), for holdsWrite(). */
  readonly targets: readonly string[];
  readonly jobs: number;
  readonly bytes: number;
}

interface LanesOptions {
  /** Temporary names start with this (unique per writer); the lane's number follows. */
  readonly tempPrefix: string;
  readonly threads: number;
  /** A thread finished a batch (its reply's buffer is already kept for reuse). */
  readonly onReply: (reply: WriterReply, batch: PostedBatch) => void;
  /** A thread died or stopped: nothing it had will be answered. */
  readonly onThreadLost: (error: Error) => void;
}

type Job = { readonly target: string; readonly buffer: number; readonly offset: number; readonly length: number } | { readonly from: string; readonly to: string };

interface OpenBatch {
  readonly jobs: Job[];
  /**
   * Content is copied in as it is queued, so no socket buffer is kept alive by a waiting file.
   * Small files share a BATCH_BYTES buffer; a bigger one gets a buffer of its own in the same
   * batch, so a run of photos is not a batch (a post and a reply) per photo.
   */
  readonly buffers: ArrayBuffer[];
  /**
   * A view of the last buffer, made once per buffer rather than once per file copied into it
   * (Builtins_CreateTypedArray showed in the main thread's `perf` profile of many-small).
   */
  view: Uint8Array | undefined;
  /** Bytes used in the last buffer. */
  used: number;
  bytes: number;
}

interface Lane {
  readonly worker: Worker;
  open: OpenBatch | undefined;
  /** Posts `open` when it has waited FLUSH_DELAY_MS (armed by its first job). */
  timer: NodeJS.Timeout | undefined;
}

/**
 * A batch goes to its thread when it holds BATCH_FILES files or BATCH_MAX_BYTES bytes, when the
 * writer must wait for room or settle, or FLUSH_DELAY_MS after its first file, whichever comes first.
 */
const BATCH_FILES = 64;
/** The buffer small files share (a bigger file gets one of its own, a whole number of MiB). */
const BATCH_BYTES = 128 * 1024;
/** Half the writer's default queue (16 MiB), so one lane's open batch never holds all of it. */
const BATCH_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Batches handed to threads and not yet back. A quiet device makes small batches (one per
 * FLUSH_DELAY_MS), so this, not only the byte count, bounds the buffers in use.
 */
const MAX_BATCHES_POSTED = 64;
/**
 * How long a batch that is not full waits for more files before it goes anyway, so the thread
 * writes while the device pauses (between two UploadFiles requests, ~2 ms) instead of at the next
 * settle. Why not at once: each batch costs a postMessage there and one back (~25 µs each, and a
 * wake-up of the other thread). Posting at the end of every turn of the event loop while the
 * thread had fewer than two batches made about one batch per file, because the threads were
 * mostly idle: on the `large` phone the main thread spent 2.2 s of its 10 s of work in
 * postMessage, and each writer thread ~1 s more in its replies (CPU profile, issue 16).
 */
export const FLUSH_DELAY_MS = 5;
const MIB = 1024 * 1024;
/** Spare buffers kept per big size (bounded: at most a few tens of MB). */
const SPARE_BIG_BUFFERS = 4;

export class WriterLanes {
  private readonly lanes: Lane[];
  private readonly posted = new Map<number, PostedBatch>();
  /** Buffers back from the threads, by capacity (BATCH_BYTES, or whole MiBs for big files). */
  private readonly spareBuffers = new Map<number, ArrayBuffer[]>();
  private nextBatch = 1;
  private batches = 0;
  private stopping = false;

  constructor(private readonly options: LanesOptions) {
    this.lanes = Array.from({ length: Math.max(1, options.threads) }, (_unused, index) => {
      const threadData: WriterThreadData = { tempPrefix: `${options.tempPrefix}w${index}-` };
      const worker = startModuleWorker('whole-file-worker', import.meta.url, { ...threadData });
      worker.on('message', (reply: WriterReply) => this.onReply(reply));
      worker.on('error', (error) => this.lost(error));
      worker.on('exit', (code) => {
        if (!this.stopping) this.lost(new Error(`A file-writing thread stopped unexpectedly (exit code ${code}).`));
      });
      return { worker, open: undefined, timer: undefined };
    });
  }

  /** Batches handed to the threads and not yet back. */
  get postedCount(): number {
    return this.posted.size;
  }

  /** Batches handed to the threads so far: what the batching saves is counted here (tests). */
  get batchesPosted(): number {
    return this.batches;
  }

  /** Whether the writer must wait before queueing more: too many batches are out. */
  get full(): boolean {
    return this.posted.size >= MAX_BATCHES_POSTED;
  }

  /** Queues a write of `pieces` (copied now, so lent memory may be reused as soon as this returns). */
  addWrite(target: string, pieces: readonly Uint8Array[], length: number): void {
    const lane = this.laneOf(target);
    const batch = (lane.open ??= { jobs: [], buffers: [], view: undefined, used: 0, bytes: 0 });
    const last = batch.buffers.at(-1);
    if (last === undefined || last.byteLength - batch.used < length) {
      const buffer = this.takeBuffer(length);
      batch.buffers.push(buffer);
      batch.view = new Uint8Array(buffer);
      batch.used = 0;
    } else {
      batch.view ??= new Uint8Array(last);
    }
    copyPieces(batch.view, batch.used, pieces);
    this.addJob(lane, target, length);
  }

  /**
   * Queues a write whose content was copied earlier into `buffer` (copyAside), when the writer had
   * to wait for room: it goes after what its lane already holds (the same batch, a buffer of its own).
   */
  addCopiedWrite(target: string, buffer: ArrayBuffer, length: number): void {
    const lane = this.laneOf(target);
    const batch = (lane.open ??= { jobs: [], buffers: [], view: undefined, used: 0, bytes: 0 });
    batch.buffers.push(buffer);
    batch.view = undefined;
    batch.used = 0;
    this.addJob(lane, target, length);
  }

  /** Copies `pieces` into a batch buffer of their own (see addCopiedWrite). */
  copyAside(pieces: readonly Uint8Array[], length: number): ArrayBuffer {
    const buffer = this.takeBuffer(length);
    copyPieces(new Uint8Array(buffer), 0, pieces);
    return buffer;
  }

  addRename(from: string, to: string): void {
    // One thread for all renames: a later move may depend on an earlier one (A→B, then B→C).
    const lane = this.lanes[0] as Lane;
    // A batch of renames carries no content: no 128 KiB batch buffer for it (each posted one used
    // to hold one, which is how a huge backup's queued renames reached 800 MB of buffers).
    const batch = (lane.open ??= { jobs: [], buffers: [], view: undefined, used: 0, bytes: 0 });
    batch.jobs.push({ from, to });
    if (batch.jobs.length >= BATCH_FILES) this.flush(lane);
    else this.flushLater(lane);
  }

  /** Hands every open batch to its thread now. */
  flushAll(): void {
    for (const lane of this.lanes) this.flush(lane);
  }

  /**
   * Whether a write to `target` is queued or on a thread and not answered yet. A scan of what is
   * queued (at most the writer's bound, 2,048 files), asked only for files that are discarded or
   * streamed; a lost thread's batches are abandoned first, so they no longer count.
   */
  holdsWrite(target: string): boolean {
    for (const lane of this.lanes) {
      if (lane.open?.jobs.some((job) => 'target' in job && job.target === target)) return true;
    }
    for (const batch of this.posted.values()) {
      if (batch.targets.includes(target)) return true;
    }
    return false;
  }

  /** Forgets every batch still out (its thread is gone) and returns them for the writer's accounting. */
  abandonPosted(): PostedBatch[] {
    const batches = [...this.posted.values()];
    this.posted.clear();
    return batches;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const lane of this.lanes) clearTimeout(lane.timer);
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  /** Records a file whose bytes were just put at `used` in the last buffer of the lane's open batch. */
  private addJob(lane: Lane, target: string, length: number): void {
    const batch = lane.open as OpenBatch;
    batch.jobs.push({ target, buffer: batch.buffers.length - 1, offset: batch.used, length });
    batch.used += length;
    batch.bytes += length;
    if (batch.jobs.length >= BATCH_FILES || batch.bytes >= BATCH_MAX_BYTES) this.flush(lane);
    else this.flushLater(lane);
  }

  private laneOf(target: string): Lane {
    return this.lanes[laneIndex(target, this.lanes.length)] as Lane;
  }

  /** Arms the lane's timer for its open batch (once per batch: not a timer per file). */
  private flushLater(lane: Lane): void {
    if (lane.timer !== undefined) return;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.flush(lane);
    }, FLUSH_DELAY_MS);
  }

  /** Hands the batch to its thread; the buffers are transferred, not copied. */
  private flush(lane: Lane): void {
    const batch = lane.open;
    if (batch === undefined) return;
    lane.open = undefined;
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const id = this.nextBatch;
    this.nextBatch += 1;
    const targets: string[] = [];
    const paths: string[] = [];
    const layout = new Float64Array(batch.jobs.length * 3);
    batch.jobs.forEach((job, index) => {
      if ('target' in job) {
        targets.push(job.target);
        paths.push(job.target);
        layout[3 * index] = job.buffer;
        layout[3 * index + 1] = job.offset;
        layout[3 * index + 2] = job.length;
      } else {
        paths.push(job.from, job.to);
        layout[3 * index] = -1;
      }
    });
    this.posted.set(id, { targets, jobs: batch.jobs.length, bytes: batch.bytes });
    this.batches += 1;
    const message: WriterBatch = { batch: id, buffers: batch.buffers, paths: paths.join('\0'), layout };
    lane.worker.postMessage(message, [...batch.buffers, layout.buffer]);
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
    for (const buffer of reply.buffers) this.keepSpare(buffer);
    const batch = this.posted.get(reply.batch);
    if (batch === undefined) return;
    this.posted.delete(reply.batch);
    this.options.onReply(reply, batch);
  }

  private lost(error: Error): void {
    this.options.onThreadLost(error);
  }

  /** Enough batch buffers for the posted limit; a few of each big size. */
  private keepSpare(buffer: ArrayBuffer): void {
    const spares = this.spareBuffers.get(buffer.byteLength) ?? [];
    if (spares.length < (buffer.byteLength === BATCH_BYTES ? MAX_BATCHES_POSTED : SPARE_BIG_BUFFERS)) {
      spares.push(buffer);
      this.spareBuffers.set(buffer.byteLength, spares);
    }
  }
}

function copyPieces(view: Uint8Array, offset: number, pieces: readonly Uint8Array[]): void {
  let at = offset;
  for (const piece of pieces) {
    view.set(piece, at);
    at += piece.length;
  }
}

/**
 * FNV-1a of the folder part of `target` (up to its last separator, as path.dirname would cut it,
 * without making that string for every file): the same folder always goes to the same thread.
 */
export function laneIndex(target: string, lanes: number): number {
  const folderEnd = Math.max(target.lastIndexOf('/'), path.sep === '\\' ? target.lastIndexOf('\\') : -1);
  let hash = 0x811c9dc5;
  for (let index = 0; index < folderEnd; index += 1) {
    hash ^= target.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
