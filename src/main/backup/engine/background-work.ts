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

/**
 * Settles the writer, then renames every upload placed ahead back to its upload name
 * (placed-ahead.ts): before any request that could see the difference. A rename that fails is
 * the run's write failure, like a failed write.
 */
export async function putBackPlaced(context: DriveContext): Promise<void> {
  if (context.placedAhead.outstanding === 0) return;
  await settleWrites(context);
  const failure = context.placedAhead.putBack((_destination, source) => context.paths.known.addOwnFile(source));
  if (failure !== undefined) context.stats.writeFailure ??= failure;
}
