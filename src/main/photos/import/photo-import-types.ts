import { BackupError, type BackupErrorCode } from '../../backup/backup-error';
import type { CameraRollCounts, CameraRollRole } from '../../../shared/camera-roll-items';
import type { CaptureDateSource } from './capture-date';

/** What the caller of a photo import passes in and gets back. */

export interface PhotoImportOptions {
  /** The phone to import from; when omitted, the first connected one (the CLI asks for --udid when there are several). */
  readonly udid?: string;
  /** USBMUXD_SOCKET_ADDRESS-style address of usbmuxd; default: the environment, then the platform's. */
  readonly muxAddress?: string;
  /** The folder chosen by the person; created when missing. */
  readonly destination: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: PhotoImportProgress) => void;
  /**
   * Copy again files the index knows but the person deleted from the folder. Off by default: a
   * photo someone removed from their import folder was removed on purpose.
   */
  readonly reimportDeleted?: boolean;
  /** Per-request device timeout; default 60 s. */
  readonly timeoutMs?: number;
  /**
   * Also save each HEIC photo as a JPEG beside it (what Windows' "Automatic" transfer does), for
   * programs that cannot open HEIC. Decoded on a thread of its own, bounded (photos/heic).
   */
  readonly convertHeicToJpeg?: boolean;
  /** With convertHeicToJpeg: keep the HEIC original too (the default); false keeps only the JPEG. */
  readonly keepHeicOriginals?: boolean;
}

export type PhotoImportPhase = 'scanning' | 'copying' | 'finished';

export interface PhotoImportProgress {
  readonly phase: PhotoImportPhase;
  /** Camera Roll files found on the phone so far (grows while scanning). */
  readonly filesFound: number;
  /** Files to copy in this run (known files are not counted) and how many are done (copied, matched or failed). */
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** AFC path of the file being copied, its size and how much of it has arrived. */
  readonly currentFile: string | undefined;
  readonly currentFileBytes: number | undefined;
  readonly currentFileBytesDone: number | undefined;
  /** Bytes per second over the last few seconds; undefined until measurable. */
  readonly bytesPerSecond: number | undefined;
  readonly etaSeconds: number | undefined;
  readonly imported: number;
  readonly skipped: number;
  readonly renamedMatches: number;
  readonly failedCount: number;
}

export interface ImportedPhoto {
  readonly devicePath: string;
  /** Relative to the destination folder, `/`-separated: `2024/05/IMG_0001.JPG`. */
  readonly destination: string;
  readonly size: number;
  /** ISO 8601; the moment the photo was taken as far as it can be known. */
  readonly capturedAt: string;
  readonly captureSource: CaptureDateSource;
  /** What the file is to its capture: a photo, a video, a Live Photo's video half, an edit's render or sidecar. */
  readonly role: CameraRollRole;
  /** The JPEG made from this HEIC when conversion was asked for, relative to the destination folder. */
  readonly convertedTo?: string;
}

export interface PhotoImportFailure {
  /** AFC path on the phone. */
  readonly path: string;
  /** Why, as a sentence said of the file at `path` without naming it again (import-outcome.ts `fileFailureReason`). */
  readonly reason: string;
}

export interface PhotoImportResult {
  readonly udid: string;
  readonly destination: string;
  /** Files copied in this run. */
  readonly imported: number;
  /** Files already imported before (same phone path, size and date): not transferred. */
  readonly skipped: number;
  /** Files whose content was already imported under another name (renamed, re-numbered, duplicate). */
  readonly renamedMatches: number;
  readonly failed: readonly PhotoImportFailure[];
  /** Bytes copied in this run. */
  readonly bytes: number;
  /** What this run copied, as a person counts it: photos (a Live Photo once) and videos; edits and sidecars apart. */
  readonly counts: CameraRollCounts;
  /** HEIC photos saved as JPEG too (with convertHeicToJpeg). */
  readonly converted: number;
  /** HEIC photos copied but not converted (damaged, too large, too slow), each with why; the HEIC is kept. */
  readonly notConverted: readonly PhotoImportFailure[];
  readonly importedFiles: readonly ImportedPhoto[];
}

/** A BackupError that also says what had been done when the import stopped. */
export class PhotoImportError extends BackupError {
  constructor(
    code: BackupErrorCode,
    message: string,
    readonly result: PhotoImportResult,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'PhotoImportError';
  }
}
