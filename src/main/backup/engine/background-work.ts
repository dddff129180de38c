import type { DriveContext } from './drive-context';

/**
 * The file work a DL request may leave running on the store's background writer (uploads:
 * writes; MoveItems: renames). Each kind keeps its own order, so only more requests of the same
 * kind may be queued behind it; the DL loop settles the writer before anything else.
 */
export type BackgroundGroup = 'writes' | 'renames';

const GROUPS: ReadonlyMap<string, BackgroundGroup> = new Map([
  ['DLMessageUploadFiles', 'writes'],
  ['DLMessageMoveItems', 'renames'],
  ['DLMessageMoveFiles', 'renames'],
]);

export function backgroundGroupOf(kind: string): BackgroundGroup | undefined {
  return GROUPS.get(kind);
}

/** Waits for background writes; a failure among them is the run's write failure (reported at the end). */
export async function settleWrites(context: DriveContext): Promise<void> {
  const writer = context.fileWriter;
  await writer.settle();
  if (writer.failure !== undefined) context.stats.writeFailure ??= writer.failure;
}

/** Renames put back between two turns of the event loop at most (the app's window stays answered). */
const PUT_BACKS_PER_SLICE = 1_000;

/**
 * Settles the writer, then renames every upload placed ahead back to its upload name
 * (placed-ahead.ts): before any request that could see the difference. A rename that fails is
 * the run's write failure, like a failed write (a write that failed left nothing to rename).
 */
export async function putBackPlaced(context: DriveContext): Promise<void> {
  if (context.placedAhead.outstanding === 0) return;
  await settleWrites(context);
  const destinations = context.placedAhead.takeAll();
  for (const [index, destination] of destinations.entries()) {
    try {
      // Our own file moves with the rename, and nothing is known to be at the destination any more.
      context.paths.known.fileRenamed(destination, context.placedAhead.putBack(destination));
    } catch (error) {
      context.stats.writeFailure ??= error;
    }
    if ((index + 1) % PUT_BACKS_PER_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
