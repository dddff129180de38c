/**
 * The messages between ListingPrefetch (previous-listing-prefetch.ts) and its thread
 * (previous-listing-worker.ts): one request per folder, one reply per request, in the compact form
 * of the whole-file writer's protocol (a few values to clone instead of an object per entry: a
 * `huge` phone's folders hold ~4,000 entries each).
 */

/** What the thread is started with (its workerData). */
export interface ListingThreadData {
  /** Names starting with this are our own temporary files, never listed (store-fs.ts). */
  readonly tempPrefix: string;
}

export interface ListingRequest {
  /** The absolute folder to list, in the previous backup. */
  readonly folder: string;
}

/** The entry kinds of `ListingReply.kinds`. */
export const LISTED_KIND = { other: 0, file: 1, directory: 2 } as const;

export interface ListingReply {
  readonly folder: string;
  /**
   * `dev:ino:mtimeMs:ctimeMs` of the folder, taken (lstat) before it was read: a folder whose
   * entries changed afterwards no longer has this key. Undefined when the folder could not be
   * listed (missing, not a real folder, unreadable): the live listing then says why.
   */
  readonly folderKey?: string;
  /** The entry names joined with NUL, which no file name contains. */
  readonly names?: string;
  /** Per entry, in `names` order: LISTED_KIND. */
  readonly kinds?: Uint8Array;
  /** Per entry, in `names` order: size (0 unless a regular file), then mtime as whole ms (Stats.mtime.getTime()). */
  readonly sizesAndTimes?: Float64Array;
}

/** The key a folder's lstat gives, on either side: the same fields, the same text. */
export function folderKeyOf(stat: { readonly dev: number; readonly ino: number; readonly mtimeMs: number; readonly ctimeMs: number }): string {
  return `${stat.dev}:${stat.ino}:${stat.mtimeMs}:${stat.ctimeMs}`;
}
