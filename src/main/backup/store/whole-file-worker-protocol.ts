/**
 * The messages between a BackgroundFileWriter (whole-file-writer.ts) and its threads
 * (whole-file-worker.ts): structured clone, one message per batch each way. Two values to clone on
 * each side instead of an object per file: a large backup posts thousands of batches.
 */

/** What a thread is started with (its workerData). */
export interface WriterThreadData {
  /** Temporary names (for a name that is taken) start with this; unique per writer and thread. */
  readonly tempPrefix: string;
}

/**
 * A batch of jobs. `layout` holds (buffer, offset, length) per job, in order: a write of
 * buffers[buffer][offset, offset+length) to the next path, or, where buffer is -1, a rename of
 * the next path to the one after it. `paths` joins the paths with NUL, which no path contains.
 */
export interface WriterBatch {
  readonly batch: number;
  /** Transferred to the thread, and back in the reply for reuse. */
  readonly buffers: readonly ArrayBuffer[];
  readonly paths: string;
  readonly layout: Float64Array;
}

export interface WriterReply {
  readonly batch: number;
  readonly buffers: readonly ArrayBuffer[];
  readonly written: number;
  readonly bytes: number;
  /** Renames that had to remove a folder at their destination first (§3.6.7). */
  readonly foldersReplaced: number;
  readonly failure?: { readonly target: string; readonly code?: string; readonly errno?: number; readonly message: string };
}
