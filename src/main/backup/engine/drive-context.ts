import type { DeviceLinkClient } from '../../device/services';
import type { ConfinedPaths, PreviousBackup, StoreFs, WholeFileWriter } from '../store';
import type { ProgressTracker } from './backup-progress';
import type { GatherBuffers } from './gathered-content';
import type { ListingAhead } from './listing-ahead';
import type { PlacedAhead } from './placed-ahead';

/** Decides, per uploaded file, whether it is kept; a discarded file is read off the wire and dropped. */
export interface UploadFilter {
  /** `deviceName` is the device-side name (§3.6.2), `devicePath` the host-relative destination. */
  discard(deviceName: string, devicePath: string): boolean;
}

/** A step the engine takes before a move is carried out (the Camera Roll Manifest.db rewrite). */
export type BeforeMove = (sourcePath: string, destinationPath: string) => Promise<void>;

/**
 * What a served request did to the backup tree, for the one rule that keeps the path cache true
 * (ConfinedPaths.known, store/known-tree.ts; applied in drive-loop.ts): `kept` when every fact in
 * the cache still holds (nothing changed, only folders were added, or only our own uploads and
 * file renames, which keep the cache up to date themselves); `changed` when anything may have
 * been removed or replaced. Every handler must answer, so a new request kind cannot forget it.
 */
export type TreeEffect = 'kept' | 'changed';

/** What the DeviceLink handlers of one run share: where paths go, how files are written, what to count. */
export interface DriveContext {
  readonly deviceLink: DeviceLinkClient;
  readonly paths: ConfinedPaths;
  /**
   * The previous backup behind staging (store/previous-backup.ts): what the phone reads and
   * staging lacks comes from it, what it removes or moves away is recorded. Undefined for a
   * first backup.
   */
  readonly previous?: PreviousBackup | undefined;
  /** The next content-folder listing's answer, made while the phone works (listing-ahead.ts). */
  readonly listingAhead: ListingAhead;
  readonly storeFs: StoreFs;
  /**
   * Writes whole uploads in the background (the store's one way for them). Every request other than
   * an upload settles it first (drive-loop.ts), so a move or the final result never overtakes a
   * write; its failure is reported in the next upload status and ends the run. Opened with
   * `paths.known` (whole-file-writer.ts), so a rename of its that removes a folder invalidates it.
   */
  readonly fileWriter: WholeFileWriter;
  /** Uploads written where their MoveItems will put them (placed-ahead.ts); drive-loop.ts says when that stops. */
  readonly placedAhead: PlacedAhead;
  /** Reused memory that streamed uploads are copied into from the socket's lent pieces. */
  readonly gatherBuffers: GatherBuffers;
  readonly progress: ProgressTracker;
  readonly uploadFilter: UploadFilter | undefined;
  readonly beforeMove: BeforeMove | undefined;
  readonly stats: DriveStats;
}

interface DriveStats {
  /** Files the device could not send (REMOTE_ERROR blocks), by destination. */
  readonly remoteFailures: string[];
  /** Host paths of uploads that were discarded (so their later moves are skipped). */
  readonly discardedPaths: Set<string>;
  discardedBytes: number;
  discardedFiles: number;
  filesWritten: number;
  bytesWritten: number;
  /** The first local write failure (disk full, I/O error): reported to the device and to the caller. */
  writeFailure: unknown;
}

export function newDriveStats(): DriveStats {
  return { remoteFailures: [], discardedPaths: new Set(), discardedBytes: 0, discardedFiles: 0, filesWritten: 0, bytesWritten: 0, writeFailure: undefined };
}
