import type { PhotosNotCopied } from '../../shared/contract';
import type { HeicConversionChoice, PhotoImportFailure } from './backends';
import { fail } from './error-mapping';
import { requireAbsoluteFolder } from './folder-chooser';

/** A photo import as a person asks for it, from any adapter (the app's Import Photos, `lifeboat photos import`). */
export interface PhotoImportRequest extends HeicConversionChoice {
  /** Undefined: the only phone connected (the CLI without --udid); the importer says when there is none. */
  readonly udid: string | undefined;
  readonly destination: string;
  readonly muxAddress?: string;
  /** Copy again the photos the person deleted from the folder since they were imported (`--again`). */
  readonly reimportDeleted?: boolean;
}

/** A request that passed `checkPhotoImportRequest`: the only kind `runPhotoImportJob` takes. */
export type CheckedPhotoImportRequest = PhotoImportRequest & { readonly checked: true };

/** What the importer is called with: the request, the job's signal and where its progress goes. */
export type PhotoImportRun<Progress> = PhotoImportRequest & { readonly signal: AbortSignal; readonly onProgress: (progress: Progress) => void };

/**
 * The rules of a photo import request, said the same way in every adapter: the folder is a full
 * path (a relative one would follow whatever directory Lifeboat started in), and "JPEG only"
 * needs the conversion, or there would be no JPEG to keep and no HEIC either. The app checks
 * before it starts the job, so the Import button is refused at once; the CLI before it connects.
 */
export function checkPhotoImportRequest(request: PhotoImportRequest): CheckedPhotoImportRequest {
  const destination = requireAbsoluteFolder(request.destination, 'The photo folder');
  if (request.keepHeicOriginals === false && request.convertHeicToJpeg !== true) {
    fail('invalid-argument', 'Keeping only the JPEGs needs "Convert HEIC to JPEG": without the conversion there would be no JPEG to keep.');
  }
  return { ...request, destination, checked: true };
}

/**
 * One photo import, as every adapter runs it (Electron and the web bridge through BackupService's
 * job, the CLI directly, as `runBackupJob` is for backups): the checked request, the job's signal
 * and progress, handed to the importer. The app passes Backends.photos.importPhotos, the CLI the
 * importer itself, whose result and per-file progress its summary and `--json` print. A failure
 * goes up unchanged: every adapter turns it into the app's error codes through one table
 * (`toAppError`; the CLI's exit codes from those).
 */
export function runPhotoImportJob<Result, Progress>(
  importer: (run: PhotoImportRun<Progress>) => Promise<Result>,
  request: CheckedPhotoImportRequest,
  context: { readonly signal: AbortSignal; readonly onProgress: (progress: Progress) => void },
): Promise<Result> {
  const { checked: _checked, ...options } = request;
  return importer({ ...options, signal: context.signal, onProgress: context.onProgress });
}

/** The most not-copied files a finished import lists for the app; the count says how many there were. */
const NOT_COPIED_LISTED = 200;

/**
 * The files an import could not copy, as the app shows them: the name a person sees in Photos
 * (the last part of the phone's path) and the importer's sentence. Undefined when every file was
 * copied. A phone with thousands of unreadable files lists the first NOT_COPIED_LISTED.
 */
export function photosNotCopiedOf(failures: readonly PhotoImportFailure[]): PhotosNotCopied | undefined {
  if (failures.length === 0) return undefined;
  const files = failures.slice(0, NOT_COPIED_LISTED).map((failure) => ({ name: failure.path.split('/').filter(Boolean).at(-1) ?? failure.path, reason: failure.reason }));
  return { count: failures.length, files };
}
