import fs from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../../shared/format';
import { DeviceError } from '../../device/errors';
import { connectDevice } from '../../device/lockdown';
import { AfcClient, AfcError, ServiceError } from '../../device/services';
import { BackupError } from '../../backup/backup-error';
import { fileCaptureDate, readEmbeddedCaptureDate } from './capture-date';
import { FINGERPRINT_EDGE_BYTES, fingerprintOf, StreamingIdentity } from './content-fingerprint';
import { listDcimFiles, RemoteFile } from './dcim-source';
import { diskFullOr, monthFolder, nameVariantOf, PartialFile, removeStalePartials, safeFileName } from './destination-files';
import { wallClockToDate } from './exif-date';
import { folderOf, isCompanion, originalsFirst, type RollFile, stemKey, withRoles } from './capture-companions';
import type { CameraRollCounts, CameraRollRole } from '../../../shared/camera-roll-items';
import { HeicDecoder } from '../heic';
import { HeicConversion } from './heic-conversion';
import { ImportProgress } from './import-progress';
import { PhotoIndex, type PhotoSource } from './photo-index';
import { type ImportedPhoto, type PhotoImportFailure, PhotoImportError, type PhotoImportOptions, type PhotoImportResult } from './photo-import-types';

/**
 * Copies the Camera Roll (AFC `/DCIM`, protocol.md §4.5) into `<destination>/<YYYY>/<MM>/`:
 * scan, decide per file from the index what is new, then stream each new file to a partial file
 * and rename it into place. Files that fail are reported and the rest go on; a lost connection,
 * a full disk or a cancel stop the run with a PhotoImportError that carries what was done.
 */

/** First read of each file: holds a JPEG's EXIF segment (≤ 64 KiB after SOI/APP0) and the fingerprint head. */
const HEAD_BYTES = 128 * 1024;
/** Room to leave on the disk beyond the photos themselves (index, folders, the file system's own needs). */
const FREE_SPACE_MARGIN_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

/** Connects to the phone, starts AFC and imports its Camera Roll into `options.destination`. */
export async function importPhotos(options: PhotoImportOptions): Promise<PhotoImportResult> {
  if (options.signal?.aborted) throw new BackupError('cancelled', 'The photo import was cancelled before it started.');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connection = await connectDevice(options.udid, { muxAddress: options.muxAddress, timeoutMs });
  try {
    const service = await connection.session.startService(AfcClient.SERVICE_NAME);
    const afc = new AfcClient(service, timeoutMs);
    try {
      return await importPhotosOverAfc(afc, connection.device.udid, options);
    } finally {
      afc.closeConnection();
    }
  } finally {
    await connection.close();
  }
}

/**
 * The import over an AFC connection someone else opened (the app's device layer, tests). A cancel
 * closes that connection, so a read in flight stops at once; open a new one afterwards.
 */
export async function importPhotosOverAfc(afc: AfcClient, udid: string, options: PhotoImportOptions): Promise<PhotoImportResult> {
  const root = path.resolve(options.destination);
  await prepareDestination(root);
  await removeStalePartials(root);
  let index: PhotoIndex;
  try {
    index = PhotoIndex.open(root);
  } catch (error) {
    throw new BackupError('io', `Lifeboat cannot open its photo index in ${root}: ${(error as Error).message}`, { cause: error });
  }
  // Closing the connection makes a read in flight fail at once instead of finishing its megabyte.
  const onAbort = (): void => afc.closeConnection();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const decoder = options.convertHeicToJpeg ? new HeicDecoder() : undefined;
  try {
    return await new ImportRun(afc, udid, index, root, options, decoder).execute();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    index.close();
    await decoder?.close();
  }
}

async function prepareDestination(root: string): Promise<void> {
  try {
    await fs.mkdir(root, { recursive: true });
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw new BackupError('io', `${root} is a file, not a folder; choose a folder to import the photos into.`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('io', `Lifeboat cannot use ${root} as the photo folder: ${(error as Error).message}`, { cause: error });
  }
}

/** A problem with one file only: reported, and the import goes on. */
class FileProblem extends Error {}

class ImportRun {
  private readonly progress: ImportProgress;
  private readonly failed: PhotoImportFailure[] = [];
  private readonly importedFiles: ImportedPhoto[] = [];
  private readonly notConverted: PhotoImportFailure[] = [];
  private readonly conversion: HeicConversion | undefined;
  /** Where each photo of this roll is (or went), by stemKey, so its companions join it under the same name. */
  private readonly placeByStem = new Map<string, { folder: string; variant: number }>();

  constructor(
    private readonly afc: AfcClient,
    private readonly udid: string,
    private readonly index: PhotoIndex,
    private readonly root: string,
    private readonly options: PhotoImportOptions,
    decoder: HeicDecoder | undefined,
  ) {
    this.progress = new ImportProgress(options.onProgress);
    this.conversion = decoder && new HeicConversion(root, decoder, options.keepHeicOriginals !== false);
  }

  async execute(): Promise<PhotoImportResult> {
    try {
      this.progress.emit();
      const files = withRoles(await listDcimFiles(this.afc, this.options.signal, (count) => {
        this.progress.filesFound = count;
        this.progress.emit();
      }));
      const queue: RollFile[] = [];
      for (const file of files) {
        this.throwIfCancelled();
        await this.settleOrQueue(file, queue);
        this.progress.emit();
      }
      this.progress.phase = 'copying';
      this.progress.filesTotal = queue.length;
      this.progress.bytesTotal = queue.reduce((sum, file) => sum + file.size, 0);
      this.progress.emit();
      await this.checkFreeSpace(this.progress.bytesTotal);
      for (const file of originalsFirst(queue)) {
        this.throwIfCancelled();
        await this.perFile(file, () => this.copy(file));
      }
      this.progress.phase = 'finished';
      this.progress.emit();
      return this.result();
    } catch (error) {
      throw this.fatal(error);
    }
  }

  /** Known files are settled here without a transfer; the rest join the copy queue. */
  private async settleOrQueue(file: RollFile, queue: RollFile[]): Promise<void> {
    const source = this.sourceOf(file);
    const seen = this.index.source(this.udid, file.devicePath);
    if (seen && seen.size === file.size && seen.modifiedMs === source.modifiedMs) {
      const photo = this.index.photo(seen.photoId);
      if (photo && (await this.stillWanted(photo.destination))) {
        this.rememberFolder(file, photo.destination);
        this.progress.skipped += 1;
        return;
      }
    } else if (this.index.hasSize(file.size)) {
      // Same size as a known photo: read both ends to see whether it is that photo renamed.
      const match = await this.perFile(file, async () => {
        const remote = await RemoteFile.open(this.afc, file.devicePath, file.size);
        try {
          const head = await remote.readAt(0, FINGERPRINT_EDGE_BYTES);
          const tail = await remote.readAt(Math.max(0, file.size - FINGERPRINT_EDGE_BYTES), FINGERPRINT_EDGE_BYTES);
          return this.index.byFingerprint(file.size, fingerprintOf(file.size, head, tail));
        } finally {
          await remote.close();
        }
      });
      if (match === 'failed') return;
      if (match && (await this.stillWanted(match.destination))) {
        this.index.linkSource(source, match.id);
        this.rememberFolder(file, match.destination);
        this.progress.renamedMatches += 1;
        return;
      }
    }
    queue.push(file);
  }

  /** A known photo is left alone unless the person deleted it and asked for deleted ones again. */
  private async stillWanted(relativePath: string): Promise<boolean> {
    if (!this.options.reimportDeleted) return true;
    return fs.access(path.join(this.root, ...relativePath.split('/'))).then(() => true, () => false);
  }

  private async copy(file: RollFile): Promise<void> {
    this.progress.startFile(file.devicePath, file.size);
    let transferred = 0;
    let remote: RemoteFile | undefined;
    try {
      remote = await RemoteFile.open(this.afc, file.devicePath, file.size);
      const opened = remote;
      const name = safeFileName(file.name);
      if (name === undefined) throw new FileProblem(`Its name "${file.name}" cannot be used as a file name on this computer.`);
      const head = await remote.readAt(0, HEAD_BYTES);
      const capture = (await readEmbeddedCaptureDate(head, file.size, (offset, length) => opened.readAt(offset, length))) ?? fileCaptureDate(file.created, file.modified);
      const leader = isCompanion(file.role) ? this.placeByStem.get(stemKey(file)) : undefined;
      const folder = leader?.folder ?? monthFolder(capture.wallClock);
      const partial = await PartialFile.create(this.root, folder, name);
      try {
        const identity = new StreamingIdentity();
        const take = async (chunk: Buffer): Promise<void> => {
          this.throwIfCancelled();
          identity.update(chunk);
          await partial.write(chunk);
          transferred += chunk.length;
          this.progress.addBytes(chunk.length);
        };
        await take(head);
        if (head.length === HEAD_BYTES) for await (const chunk of remote.stream(head.length)) await take(chunk);
        const content = identity.finish();
        const source = this.sourceOf(file);
        const known = this.index.byContent(content.sha1, content.size);
        if (known && (await fs.access(path.join(this.root, ...known.destination.split('/'))).then(() => true, () => false))) {
          // The same photo twice on the phone (a duplicate made in Photos): keep one copy.
          await partial.discard();
          this.index.linkSource(source, known.id);
          this.rememberFolder(file, known.destination);
          this.progress.renamedMatches += 1;
          return;
        }
        // A cancel that came while the last bytes arrived still wins: nothing new after it.
        this.throwIfCancelled();
        // A companion takes its photo's name variant: IMG_0001 (2).HEIC's video is IMG_0001 (2).MOV.
        const settled = await partial.commit(content.sha1, file.modified, leader?.variant ?? 1);
        const capturedAt = wallClockToDate(capture.wallClock);
        const conversion = settled.alreadyThere || !this.conversion?.wants(file) ? undefined : await this.conversion.convert(settled.relativePath, file.modified, this.options.signal);
        if (conversion?.converted === false) this.notConverted.push({ path: file.devicePath, reason: conversion.reason });
        const convertedTo = conversion?.converted ? conversion.jpeg : undefined;
        // With "JPEG only" the JPEG is what the index (and the next run) knows the photo by.
        const destination = conversion?.converted && !conversion.originalKept ? conversion.jpeg : settled.relativePath;
        try {
          this.index.addPhoto(
            { ...content, destination, capturedAt: capturedAt.getTime(), captureSource: capture.source, modifiedMs: source.modifiedMs },
            source,
          );
        } catch (error) {
          // Unrecorded, the copy would be a stranger to the next run: take it back so folder and index agree.
          for (const made of settled.alreadyThere ? [] : [settled.relativePath, convertedTo]) {
            if (made) await fs.rm(path.join(this.root, ...made.split('/')), { force: true }).catch(() => undefined);
          }
          throw diskFullOr(error, this.root);
        }
        this.rememberFolder(file, destination);
        if (settled.alreadyThere) {
          this.progress.skipped += 1;
          return;
        }
        this.progress.imported += 1;
        this.importedFiles.push({
          devicePath: file.devicePath, destination, size: content.size, capturedAt: capturedAt.toISOString(), captureSource: capture.source, role: file.role,
          ...(convertedTo === undefined ? {} : { convertedTo }),
        });
      } catch (error) {
        await partial.discard();
        throw error;
      }
    } finally {
      await remote?.close();
      this.progress.finishFile(file.size, transferred);
      this.progress.emit();
    }
  }

  /** Runs one file's step: a problem with that file is recorded and `'failed'` returned; the rest rethrow. */
  private async perFile<T>(file: RollFile, step: () => Promise<T>): Promise<T | 'failed'> {
    try {
      return await step();
    } catch (error) {
      if (this.options.signal?.aborted || !isFileLevel(error)) throw error;
      this.failed.push({ path: file.devicePath, reason: (error as Error).message });
      this.progress.failedCount += 1;
      return 'failed';
    }
  }

  private async checkFreeSpace(needed: number): Promise<void> {
    let free: number;
    try {
      const stats = await fs.statfs(this.root);
      free = Number(stats.bavail) * Number(stats.bsize);
    } catch {
      return; // Unknown: the writes themselves will say when the disk is full.
    }
    if (needed > 0 && free < needed + FREE_SPACE_MARGIN_BYTES) {
      throw new BackupError(
        'disk-full',
        `The photos to import need ${formatBytes(needed)} but the disk holding ${this.root} has only ${formatBytes(free)} free. Free some space or choose another folder.`,
      );
    }
  }

  private rememberFolder(file: RollFile, destination: string): void {
    if (!isCompanion(file.role)) this.placeByStem.set(stemKey(file), { folder: folderOf(destination), variant: nameVariantOf(destination) });
  }

  private sourceOf(file: RollFile): PhotoSource {
    return { udid: this.udid, devicePath: file.devicePath, size: file.size, modifiedMs: file.modified?.getTime() ?? 0 };
  }

  private throwIfCancelled(): void {
    if (this.options.signal?.aborted) throw new BackupError('cancelled', 'The photo import was cancelled.');
  }

  private result(): PhotoImportResult {
    return {
      udid: this.udid,
      destination: this.root,
      imported: this.progress.imported,
      skipped: this.progress.skipped,
      renamedMatches: this.progress.renamedMatches,
      failed: [...this.failed],
      bytes: this.importedFiles.reduce((sum, file) => sum + file.size, 0),
      importedFiles: [...this.importedFiles],
      counts: countImported(this.importedFiles),
      converted: this.importedFiles.filter((file) => file.convertedTo !== undefined).length,
      notConverted: [...this.notConverted],
    };
  }

  /** Turns what stopped the whole run into one PhotoImportError saying what was kept. */
  private fatal(error: unknown): PhotoImportError {
    if (error instanceof PhotoImportError) return error;
    const result = this.result();
    const kept = `${result.imported} file${result.imported === 1 ? ' was' : 's were'} copied and kept`;
    if (this.options.signal?.aborted) {
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
}

/** What a run copied, as a person counts it (shared/camera-roll-items.ts): a Live Photo is one photo. */
function countImported(files: readonly ImportedPhoto[]): CameraRollCounts {
  const count = (...roles: CameraRollRole[]): number => files.filter((file) => roles.includes(file.role)).length;
  return { photos: count('photo'), videos: count('video'), livePhotos: count('live-video'), companions: count('edited-copy', 'sidecar') };
}

/** Problems that concern one file: the device refusing it, a name or a write this computer refuses. */
function isFileLevel(error: unknown): boolean {
  if (error instanceof FileProblem || error instanceof AfcError) return true;
  if (error instanceof BackupError) return error.code === 'io';
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && ['EACCES', 'EPERM', 'ENAMETOOLONG', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EINVAL', 'EILSEQ'].includes(code);
}
