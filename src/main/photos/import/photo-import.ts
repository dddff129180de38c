import fs from 'node:fs/promises';
import path from 'node:path';
import { connectDevice } from '../../device/lockdown';
import { AfcClient } from '../../device/services';
import { BackupError } from '../../backup/backup-error';
import { type CaptureDate, fileCaptureDate, readEmbeddedCaptureDate } from './capture-date';
import { FINGERPRINT_EDGE_BYTES, fingerprintOf, StreamingIdentity } from './content-fingerprint';
import { listDcimFiles, RemoteFile } from './dcim-source';
import { checkFreeSpace, diskFullOr, monthFolder, nameVariantOf, PartialFile, prepareDestination, removeStalePartials, safeFileName, syncFolder } from './destination-files';
import { wallClockToDate } from './exif-date';
import { folderOf, isCompanion, originalsThenCompanions, type RollFile, stemKey, withRoles } from './capture-companions';
import { HeicDecoder } from '../heic';
import { type ConversionOutcome, HeicConversion } from './heic-conversion';
import { ImportProgress } from './import-progress';
import { countImported, fileFailureReason, FileProblem, isFileLevel, stoppedImport } from './import-outcome';
import { type IndexEntry, PhotoIndex, type PhotoSource } from './photo-index';
import type { ImportedPhoto, PhotoImportFailure, PhotoImportOptions, PhotoImportResult } from './photo-import-types';
import { PublishQueue } from './publish-queue';

/**
 * Copies the Camera Roll (AFC `/DCIM`, protocol.md §4.5) into `<destination>/<YYYY>/<MM>/`:
 * scan, decide per file from the index what is new, then stream each new file to a partial file,
 * which the publish queue flushes, renames into place and records, a batch at a time, while the
 * next files download. Files that fail are reported and the rest go on; a lost connection, a full
 * disk or a cancel stop the run with a PhotoImportError that carries what was done.
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

/** A copy with all its bytes under its partial name, waiting to be published. */
interface FinishedCopy {
  readonly file: RollFile;
  readonly partial: PartialFile;
  readonly content: { readonly sha1: string; readonly fingerprint: string; readonly size: number };
  readonly capture: CaptureDate;
  /** A companion's photo's name variant: IMG_0001 (2).HEIC's video is IMG_0001 (2).MOV. */
  readonly firstVariant: number;
}

/** What publishing one copy of a batch came to, before the batch's index transaction. */
type Publication =
  | { readonly kind: 'new'; readonly copy: FinishedCopy; readonly destination: string; readonly alreadyThere: boolean }
  | { readonly kind: 'duplicate'; readonly copy: FinishedCopy; readonly destination: string };

class ImportRun {
  private readonly progress: ImportProgress;
  private readonly failed: PhotoImportFailure[] = [];
  private readonly importedFiles: ImportedPhoto[] = [];
  private readonly notConverted: PhotoImportFailure[] = [];
  private readonly conversion: HeicConversion | undefined;
  /** Where each photo of this roll is (or went), by stemKey, so its companions join it under the same name. */
  private readonly placeByStem = new Map<string, { folder: string; variant: number }>();
  private readonly publisher = new PublishQueue<FinishedCopy>(
    (batch) => this.publishBatch(batch),
    (copy) => copy.partial.discard(),
  );

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
      await checkFreeSpace(this.root, this.progress.bytesTotal, FREE_SPACE_MARGIN_BYTES);
      // Companions follow their photo's final folder and name, so every photo is published first.
      for (const group of originalsThenCompanions(queue)) {
        for (const file of group) {
          this.throwIfCancelled();
          this.publisher.throwIfFailed();
          await this.perFile(file, () => this.copy(file));
        }
        await this.publisher.drain();
      }
      this.progress.phase = 'finished';
      this.progress.emit();
      return this.result();
    } catch (error) {
      // Copies already complete are kept, unless the person cancelled: then nothing new after it.
      await this.publisher.settle(!this.options.signal?.aborted);
      throw stoppedImport(error, this.result(), this.options.signal?.aborted === true);
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
    return this.exists(relativePath);
  }

  private exists(relativePath: string): Promise<boolean> {
    return fs.access(path.join(this.root, ...relativePath.split('/'))).then(() => true, () => false);
  }

  /** Downloads one file under its partial name and hands it to the publish queue. */
  private async copy(file: RollFile): Promise<void> {
    this.progress.startFile(file.devicePath, file.size);
    let transferred = 0;
    let remote: RemoteFile | undefined;
    try {
      remote = await RemoteFile.open(this.afc, file.devicePath, file.size);
      const opened = remote;
      const name = safeFileName(file.name);
      if (name === undefined) throw new FileProblem('Its name cannot be used as a file name on this computer.');
      const head = await remote.readAt(0, HEAD_BYTES);
      const capture = (await readEmbeddedCaptureDate(head, file.size, (offset, length) => opened.readAt(offset, length))) ?? fileCaptureDate(file.created, file.modified);
      const leader = isCompanion(file.role) ? this.placeByStem.get(stemKey(file)) : undefined;
      const partial = await PartialFile.create(this.root, leader?.folder ?? monthFolder(capture.wallClock), name);
      let handedOver = false;
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
        // A cancel that came while the last bytes arrived still wins: nothing new after it.
        this.throwIfCancelled();
        handedOver = true;
        await this.publisher.add({ file, partial, content: identity.finish(), capture, firstVariant: leader?.variant ?? 1 });
      } catch (error) {
        if (!handedOver) await partial.discard();
        throw error;
      }
    } finally {
      await remote?.close();
      this.progress.finishFile(file.size, transferred);
      this.progress.emit();
    }
  }

  /**
   * Publishes a batch (the publish queue's one step): flushes every copy side by side, gives each
   * its final name (or drops it for a photo already here), flushes the folders once, records the
   * batch in one index transaction, and only then counts the copies as imported and converts.
   */
  private async publishBatch(batch: readonly FinishedCopy[]): Promise<void> {
    const sealed = await Promise.allSettled(batch.map((copy) => copy.partial.seal(copy.file.modified)));
    const publications: Publication[] = [];
    let recorded = false;
    try {
      const inBatch = new Map<string, string>();
      for (const [position, copy] of batch.entries()) {
        const seal = sealed[position] as PromiseSettledResult<void>;
        if (seal.status === 'rejected') {
          if (!isFileLevel(seal.reason)) throw seal.reason;
          this.recordFailure(copy.file, seal.reason);
          continue;
        }
        const contentKey = `${copy.content.size}:${copy.content.sha1}`;
        const known = this.index.byContent(copy.content.sha1, copy.content.size);
        const here = inBatch.get(contentKey) ?? (known && (await this.exists(known.destination)) ? known.destination : undefined);
        if (here !== undefined) {
          // The same photo twice on the phone (a duplicate made in Photos): keep one copy.
          await copy.partial.discard();
          publications.push({ kind: 'duplicate', copy, destination: here });
          continue;
        }
        const settled = await this.perFile(copy.file, () => copy.partial.publish(copy.content.sha1, copy.firstVariant));
        if (settled === 'failed') continue;
        inBatch.set(contentKey, settled.relativePath);
        publications.push({ kind: 'new', copy, destination: settled.relativePath, alreadyThere: settled.alreadyThere });
      }
      const folders = new Set(publications.map((item) => item.copy.partial.relativeFolder));
      await Promise.all([...folders].map((folder) => syncFolder(path.join(this.root, ...folder.split('/')))));
      const photoIds = this.index.record(publications.map((item) => this.indexEntryOf(item)));
      recorded = true;
      await this.count(publications, photoIds);
    } catch (error) {
      await Promise.all(batch.map((copy) => copy.partial.discard()));
      // Unrecorded, the copies would be strangers to the next run: take them back so folder and index agree.
      for (const item of recorded ? [] : publications) {
        if (item.kind === 'new' && !item.alreadyThere) await fs.rm(path.join(this.root, ...item.destination.split('/')), { force: true }).catch(() => undefined);
      }
      throw diskFullOr(error, this.root);
    }
  }

  private indexEntryOf(item: Publication): IndexEntry {
    const { copy } = item;
    const source = this.sourceOf(copy.file);
    if (item.kind === 'duplicate') return { kind: 'link', sha1: copy.content.sha1, size: copy.content.size, source };
    const capturedAt = wallClockToDate(copy.capture.wallClock).getTime();
    return { kind: 'photo', photo: { ...copy.content, destination: item.destination, capturedAt, captureSource: copy.capture.source, modifiedMs: source.modifiedMs }, source };
  }

  /** Counts a recorded batch, then converts its new HEIC photos (only a cancel or a full disk stop that). */
  private async count(publications: readonly Publication[], photoIds: readonly number[]): Promise<void> {
    const converting: { position: number; photoId: number; copy: FinishedCopy }[] = [];
    for (const [position, item] of publications.entries()) {
      const { copy } = item;
      this.rememberFolder(copy.file, item.destination);
      if (item.kind === 'duplicate') this.progress.renamedMatches += 1;
      else if (item.alreadyThere) this.progress.skipped += 1;
      else {
        this.progress.imported += 1;
        this.importedFiles.push({
          devicePath: copy.file.devicePath, destination: item.destination, size: copy.content.size,
          capturedAt: wallClockToDate(copy.capture.wallClock).toISOString(), captureSource: copy.capture.source, role: copy.file.role,
        });
        if (this.conversion?.wants(copy.file)) converting.push({ position: this.importedFiles.length - 1, photoId: photoIds[position] as number, copy });
      }
    }
    this.progress.emit();
    for (const { position, photoId, copy } of converting) {
      const imported = this.importedFiles[position] as ImportedPhoto;
      const conversion = await this.convert(imported.destination, copy.file.modified);
      if (!conversion.converted) {
        this.notConverted.push({ path: copy.file.devicePath, reason: conversion.reason });
        continue;
      }
      // With "JPEG only" the JPEG is what the index (and the next run) knows the photo by.
      const destination = conversion.originalKept ? imported.destination : conversion.jpeg;
      if (!conversion.originalKept) {
        this.index.moveDestination(photoId, destination);
        await (this.conversion as HeicConversion).removeOriginal(imported.destination);
      }
      this.importedFiles[position] = { ...imported, destination, convertedTo: conversion.jpeg };
      this.rememberFolder(copy.file, destination);
    }
  }

  /** The JPEG of a published HEIC; this computer refusing the JPEG (a name, a permission) leaves the HEIC, reported. */
  private async convert(relativePath: string, modified: Date | undefined): Promise<ConversionOutcome> {
    try {
      return await (this.conversion as HeicConversion).convert(relativePath, modified, this.options.signal);
    } catch (error) {
      if (this.options.signal?.aborted || !isFileLevel(error)) throw error;
      return { converted: false, reason: `${(error as Error).message} The HEIC was kept.` };
    }
  }

  /** Runs one file's step: a problem with that file is recorded and `'failed'` returned; the rest rethrow. */
  private async perFile<T>(file: RollFile, step: () => Promise<T>): Promise<T | 'failed'> {
    try {
      return await step();
    } catch (error) {
      if (this.options.signal?.aborted || !isFileLevel(error)) throw error;
      this.recordFailure(file, error);
      return 'failed';
    }
  }

  private recordFailure(file: RollFile, error: unknown): void {
    this.failed.push({ path: file.devicePath, reason: fileFailureReason(error) });
    this.progress.failedCount += 1;
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
}
