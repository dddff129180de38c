import fs from 'node:fs';
import { type BackupCatalog, type BackupRecord, openCatalog } from '../backup/catalog';
import { type BackupProgress, changeBackupPassword, getBackupEncryption, runBackup, setBackupEncryption } from '../backup/engine';
import { importPhotos, type PhotoImportProgress } from '../photos';
import { HeicPreviews } from '../photos/heic';
import { createUntrustedBackupReader } from '../reader';
import { completeBackupFolder, isDeltaSnapshot } from '../backup/store';
import type { BackupView } from '../../shared/contract';
import type { Backends, CatalogBackend } from './backends';
import { checkBackupPassword } from './backup-password-check';
import { createBrowserBackend } from './browser-backend';
import { modelName } from './device-views';
import { fail } from './error-mapping';
import { createLibraryBackend } from './library-backend';
import { createRestoreBackend } from './restore-backend';
import type { ProgressUpdate } from './job-queue';

/** The real engine, catalog and photo import from src/main/backup, adapted to the core's interfaces. */
export function createRealBackends(): Backends {
  // Backup folders are read on worker threads with deadlines, never on the app's main thread: one
  // for the catalog, one for the browser, so a long verify never holds a listing past its deadline.
  const catalogReader = createUntrustedBackupReader();
  // The library asks the browser's thread about the backup the browser opened there.
  const browserReader = createUntrustedBackupReader();
  // One HEIC decoder thread (one picture at a time) serves the files view and the library alike.
  const heicPreviews = new HeicPreviews();
  const browser = createBrowserBackend(browserReader, heicPreviews);
  return {
    backup: {
      async runBackup(options) {
        const result = await runBackup({
          udid: options.udid,
          backupRoot: options.backupRoot,
          full: options.full,
          cameraRoll: options.cameraRoll,
          retention: options.retention,
          signal: options.signal,
          onProgress: (progress) => options.onProgress(fromBackupProgress(progress)),
          ...(options.muxAddress ? { muxAddress: options.muxAddress } : {}),
          ...(options.password ? { password: options.password } : {}),
        });
        return { backupPath: result.folder };
      },
      getEncryption: async (target) => (await getBackupEncryption(target)).enabled,
      setEncryption: (options) => setBackupEncryption(options),
      changePassword: (options) => changeBackupPassword(options),
    },
    openCatalog: async (backupRoot, extraFolders, { rootMadeByBackup, ...options } = { rootUnavailable: false }) =>
      catalogBackend(openCatalog(backupRoot, { extraFolders, ...options, inspect: (folder, options, signal) => catalogReader.inspect(folder, options, signal), sumTotals: catalogReader.totals }), rootMadeByBackup ?? true),
    restore: createRestoreBackend(),
    browser,
    library: createLibraryBackend(browserReader, (sessionId) => browser.readerHandle?.(sessionId) ?? fail('not-found', 'That backup is no longer open. Open it again.'), heicPreviews),
    checkPassword: checkBackupPassword,
    photos: {
      async importPhotos(options) {
        const result = await importPhotos({
          udid: options.udid,
          destination: options.destination,
          signal: options.signal,
          ...(options.convertHeicToJpeg === undefined ? {} : { convertHeicToJpeg: options.convertHeicToJpeg }),
          ...(options.keepHeicOriginals === undefined ? {} : { keepHeicOriginals: options.keepHeicOriginals }),
          onProgress: (progress) => options.onProgress(fromPhotoProgress(progress)),
          ...(options.muxAddress ? { muxAddress: options.muxAddress } : {}),
        });
        return { notCopied: result.failed };
      },
    },
  };
}

function catalogBackend(catalog: BackupCatalog, rootMadeByBackup: boolean): CatalogBackend {
  const require = (id: string): BackupRecord => catalog.get(id) ?? fail('not-found', 'That backup is no longer in the history.');
  return {
    async list() {
      await catalog.refresh();
      // Read together, with no await between: the version is exactly this list's.
      const records = catalog.list();
      return { backups: records.map(toBackupView), version: catalog.version() };
    },
    // Counts exactly the backups of the list read at `version`, or says nothing (catalog-totals.ts).
    usage(version) {
      const counted = catalog.countedUsage(version);
      return counted ? { counted } : { counting: catalog.usage(version) };
    },
    async findByPath(folder) {
      await catalog.refresh();
      const wanted = realPath(folder);
      const record = catalog.list().find((candidate) => realPath(candidate.path) === wanted);
      return record ? toBackupView(record) : undefined;
    },
    async verify(backupId, password, signal) {
      const report = await catalog.verify(backupId, { ...(password === undefined ? {} : { password }), ...(signal ? { signal } : {}) });
      return { backupId: report.backupId, ok: report.ok, checkedFiles: report.checkedFiles, problems: report.problems };
    },
    async delete(backupId) {
      require(backupId);
      await catalog.delete(backupId);
    },
    archive: async (backupId) => toBackupView(await catalog.archive(require(backupId).id)),
    // Restore and browse read a whole folder: a reverse-delta snapshot is materialised for them.
    pathOf: async (backupId, options) => {
      const folder = require(backupId).path;
      if (options?.beforeCopy && (await isDeltaSnapshot(folder))) await options.beforeCopy();
      return completeBackupFolder(folder, catalog.root, { ownRootMadeByBackup: rootMadeByBackup });
    },
    folderOf: async (backupId) => require(backupId).path,
    close: () => catalog.close(),
  };
}

function toBackupView(record: BackupRecord): BackupView {
  const optional = {
    deviceName: record.deviceName,
    productType: record.productType,
    productVersion: record.productVersion,
    fileCount: record.fileCount,
    photoCount: record.photoCount,
    includesCameraRoll: record.includesCameraRoll,
    modelName: record.modelName ?? modelName(record.productType),
    damaged: record.status === 'damaged' ? true : undefined,
    problems: record.problems.length > 0 ? record.problems.map((problem) => problem.message) : undefined,
    verifiedAt: record.verifiedAt,
  };
  return {
    id: record.id,
    udid: record.snapshotOf ?? record.udid,
    path: record.path,
    createdAt: record.createdAt ?? record.checkedAt,
    // What the backup holds, not what it takes on disk: an older snapshot shares most of its files.
    sizeBytes: record.contentBytes,
    ...(record.sizeBytes < record.contentBytes ? { diskBytes: record.sizeBytes } : {}),
    encrypted: record.encrypted,
    archived: record.archived,
    place: record.location === 'root' ? 'current' : record.location === 'snapshot' ? 'snapshot' : 'other',
    ...(record.location === 'extra' && record.snapshotOf !== undefined ? { addedSnapshot: true } : {}),
    madeBy: record.madeBy,
    // The contract has no "damaged": both mean "do not count on this one" to a person.
    status: record.status === 'complete' ? 'complete' : 'incomplete',
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

function fromBackupProgress(progress: BackupProgress): ProgressUpdate {
  return {
    phase: progress.phase === 'transferring' ? 'transferring' : progress.phase === 'finishing' || progress.phase === 'done' ? 'finishing' : 'preparing',
    percent: progress.percent,
    bytesDone: progress.bytesDone,
    filesDone: progress.filesDone,
    bytesPerSecond: progress.bytesPerSecond,
    // No totals: the phone never tells them (backup-progress.ts).
    etaSeconds: progress.etaSeconds,
    ...(progress.domain === undefined ? {} : { message: `Copying ${progress.domain}` }),
    // Always named, so the wait ends in the UI as soon as the phone's passcode sheet is dismissed.
    waitingFor: progress.phase === 'waiting-for-passcode' ? 'passcode' : undefined,
  };
}

function fromPhotoProgress(progress: PhotoImportProgress): ProgressUpdate {
  return {
    phase: progress.filesDone > 0 ? 'transferring' : 'preparing',
    filesDone: progress.filesDone,
    filesTotal: progress.filesTotal,
    bytesDone: progress.bytesDone,
    bytesTotal: progress.bytesTotal,
    ...(progress.bytesPerSecond === undefined ? {} : { bytesPerSecond: progress.bytesPerSecond }),
    ...(progress.etaSeconds === undefined ? {} : { etaSeconds: progress.etaSeconds }),
  };
}

function realPath(folder: string): string {
  try {
    return fs.realpathSync(folder);
  } catch {
    return folder;
  }
}
