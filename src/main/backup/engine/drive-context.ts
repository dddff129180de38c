import type { DeviceLinkClient } from '../../device/services';
import type { ConfinedPaths, StoreFs, WholeFileWriter } from '../store';
import type { ProgressTracker } from './backup-progress';
import type { GatherBuffers } from './gathered-content';

/** Decides, per uploaded file, whether it is kept; a discarded file is read off the wire and dropped. */
export interface UploadFilter {
  /** `deviceName` is the device-side name (§3.6.2), `devicePath` the host-relative destination. */
  discard(deviceName: string, devicePath: string): boolean;
}

/** A step the engine takes before a move is carried out (the Camera Roll Manifest.db rewrite). */
export type BeforeMove = (sourcePath: string, destinationPath: string) => Promise<void>;

/** What the DeviceLink handlers of one run share: where paths go, how files are written, what to count. */
export interface DriveContext {
  readonly deviceLink: DeviceLinkClient;
  readonly paths: ConfinedPaths;
  readonly storeFs: StoreFs;
  /**
   * Writes whole uploads in the background when the store offers it. Every request other than
   * an upload settles it first (drive-loop.ts), so a move or the final result never overtakes a
   * write; its failure is reported in the next upload status and ends the run.
   */
  readonly fileWriter: WholeFileWriter | undefined;
  /** Reused memory that streamed uploads are copied into from the socket's lent pieces. */
  readonly gatherBuffers: GatherBuffers;
  readonly progress: ProgressTracker;
  readonly uploadFilter: UploadFilter | undefined;
  readonly beforeMove: BeforeMove | undefined;
  readonly stats: DriveStats;
}

export interface DriveStats {
  /** Files the device could not send (REMOTE_ERROR blocks), by destination. */
  readonly remoteFailures: string[];
  /** Host paths of uploads that were discarded (so their later moves are skipped). */
  readonly discardedPaths: Set<string>;
  /**
   * Host paths of regular files this run created (O_EXCL or renamed into place) that no request
   * has touched since: a MoveItems source among them needs no lstat to be known a plain file.
   * Cleared with the checked folders (drive-loop.ts), kept up to date by moves.
   */
  readonly ownFiles: Set<string>;
  discardedBytes: number;
  discardedFiles: number;
  filesWritten: number;
  bytesWritten: number;
  /** The first local write failure (disk full, I/O error): reported to the device and to the caller. */
  writeFailure: unknown;
}

export function newDriveStats(): DriveStats {
  return { remoteFailures: [], discardedPaths: new Set(), ownFiles: new Set(), discardedBytes: 0, discardedFiles: 0, filesWritten: 0, bytesWritten: 0, writeFailure: undefined };
}
