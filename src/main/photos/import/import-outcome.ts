import { DeviceError } from '../../device/errors';
import { AfcError, ServiceError } from '../../device/services';
import { BackupError } from '../../backup/backup-error';
import type { CameraRollCounts, CameraRollRole } from '../../../shared/camera-roll-items';
import { type ImportedPhoto, type PhotoImportResult, PhotoImportError } from './photo-import-types';

/** How a photo import's end is told: what one file's problem is, and what stopped the whole run. */

/** A problem with one file only: reported, and the import goes on. */
export class FileProblem extends Error {}

/** Problems that concern one file: the device refusing it, a name or a write this computer refuses. */
export function isFileLevel(error: unknown): boolean {
  if (error instanceof FileProblem || error instanceof AfcError) return true;
  if (error instanceof BackupError) return error.code === 'io';
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && ['EACCES', 'EPERM', 'ENAMETOOLONG', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EINVAL', 'EILSEQ'].includes(code);
}

/**
 * One file's problem as the sentence a person reads beside its name (the import's `failed` list,
 * shown by the app after the import): what the phone's AFC status (protocol.md §4.3) means for
 * this photo and what to do, not the request that failed. It does not name the file: every place
 * that shows it puts the name or path first (the app's "Show which and why" dialog the name above
 * it, `lifeboat photos import` the path before it, `--json` the path beside it), and a second
 * "IMG_0001.JPG" in the sentence only made the list longer to read.
 */
export function fileFailureReason(error: unknown): string {
  if (!(error instanceof AfcError)) return (error as Error).message;
  switch (error.statusName) {
    case 'OBJECT_NOT_FOUND':
      return 'No longer on the iPhone: it was deleted while the photos were being copied.';
    case 'PERM_DENIED':
    case 'OBJECT_BUSY':
    case 'OP_WOULD_BLOCK':
      return 'The iPhone did not let this file be read (Photos may be busy with it); import again later to copy it.';
    default:
      return `The iPhone could not send this file (AFC ${error.statusName}); import again to try once more.`;
  }
}

/** What a run copied, as a person counts it (shared/camera-roll-items.ts): a Live Photo is one photo. */
export function countImported(files: readonly ImportedPhoto[]): CameraRollCounts {
  const count = (...roles: CameraRollRole[]): number => files.filter((file) => roles.includes(file.role)).length;
  return { photos: count('photo'), videos: count('video'), livePhotos: count('live-video'), companions: count('edited-copy', 'sidecar') };
}

/** Turns what stopped the whole run into one PhotoImportError saying what was kept. */
export function stoppedImport(error: unknown, result: PhotoImportResult, cancelled: boolean): PhotoImportError {
  if (error instanceof PhotoImportError) return error;
  const kept = `${result.imported} file${result.imported === 1 ? ' was' : 's were'} copied and kept`;
  if (cancelled) {
    return new PhotoImportError('cancelled', `The photo import was cancelled; ${kept}. Import again to copy the rest.`, result, { cause: error });
  }
  if (error instanceof BackupError) {
    return new PhotoImportError(error.code, `${error.message} (${kept}.)`, result, { cause: error });
  }
  if (error instanceof AfcError) {
    return new PhotoImportError('device-error', `The iPhone refused to list its photos: ${error.message}`, result, { cause: error });
  }
  if (error instanceof ServiceError && !['connection-closed', 'timeout'].includes(error.code)) {
    return new PhotoImportError('protocol', `The iPhone answered in a way Lifeboat does not understand, so the photo import stopped (${error.message}); ${kept}.`, result, { cause: error });
  }
  if (error instanceof ServiceError || error instanceof DeviceError) {
    return new PhotoImportError(
      'disconnected',
      `The connection to the iPhone was lost during the photo import (${error.message}); ${kept}. Reconnect the iPhone and import again to copy the rest.`,
      result,
      { cause: error },
    );
  }
  return new PhotoImportError('io', `The photo import stopped: ${(error as Error).message ?? String(error)} (${kept}.)`, result, { cause: error });
}
