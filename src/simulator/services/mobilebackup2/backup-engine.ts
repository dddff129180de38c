import { randomUUID } from 'node:crypto';
import { type PlistDict, plistBoolean, plistDictOf } from '../../../main/device/codec';
import { buildStatusPlist, type SnapshotState } from '../../backup-format/backup-plists';
import { contentPathFor, fileIdFor } from '../../backup-format/file-id';
import type { PhoneEntry } from '../../phone/phone-model';
import { createBackupCipher, encryptChunks, encryptedSize, newFileKey } from './backup-crypto';
import type { BackupCipher } from '../../backup-format/encryption';
import { ManifestBuilder } from './backup-manifest';
import { type PreviousBackup, readPreviousBackup } from './backup-preflight';
import { FileIdList } from './file-id-list';
import type { HostDrive, UploadItem } from './host-drive';
import { FILE_BLOCK_BYTES } from './file-stream';
import { MB_ERROR, MobileBackupError } from './mb-error';
import { awaitBackupPasscode, PASSCODE_NOTIFICATION } from './passcode-prompt';
import { CONTENT_DIRECTORIES, type Session, appleSecondsNow, backupFolderOf, batches, isAfcControlPath } from './session';

/** The device uploads and moves at most this many files per DL message (§3.6.2 `BatchSize`). */
export const BATCH_FILES = 128;
/** The device wants this much room on the computer beyond the upload itself (§3.6.3). */
const HOST_SPARE_BYTES = 128 * 1024 * 1024;
const PURGE_EXTRA_BYTES = 2 * 1024 * 1024 * 1024;
/** A generous estimate of one Manifest.db row, so the metadata counts toward the space check too. */
const MANIFEST_BYTES_PER_ROW = 512;

export const NOTIFICATION = {
  passcodePromptShown: PASSCODE_NOTIFICATION.presented,
  passcodePromptHidden: PASSCODE_NOTIFICATION.dismissed,
  backupDomainChanged: 'com.apple.mobile.backup.domain_changed',
} as const;

interface PlannedUpload {
  readonly entry: PhoneEntry;
  readonly fileId: string;
  readonly key: Buffer | undefined;
}

/**
 * A backup as BackupAgent2 drives it (protocol.md §7.2): preflight, free space, Snapshot
 * directories, upload, manifest, move, remove, finish — every step a DL request to the host.
 */
export async function runBackup(session: Session, request: PlistDict, deviceLinkMajor: number): Promise<void> {
  const { drive, context } = session;
  const folder = backupFolderOf(request, context);
  const forceFull = plistBoolean(plistDictOf(request['Options'])?.['ForceFullBackup']) === true;
  const settings = context.settings.get();

  if (context.faults().locked) {
    // iOS 16.1+: the phone asks for its passcode before a backup; nobody types it (§3.10).
    context.notifications.post(NOTIFICATION.passcodePromptShown);
    context.notifications.post(NOTIFICATION.passcodePromptHidden);
    throw new MobileBackupError(MB_ERROR.deviceLocked, 'Device locked');
  }
  await awaitBackupPasscode(context);
  if (settings.requiresEncryption && !settings.willEncrypt) {
    throw new MobileBackupError(MB_ERROR.encryption, 'No backup password set when required by device management');
  }
  if (settings.willEncrypt && settings.password === undefined) {
    throw new MobileBackupError(MB_ERROR.encryption, 'Backup encryption is on but the phone has no backup password');
  }

  const previous = await readPreviousBackup(session, folder, forceFull);
  if (previous?.fullReason) context.log(`mobilebackup2: full backup because ${previous.fullReason}`);
  const keys = settings.willEncrypt ? (previous?.keys ?? (await createBackupCipher(settings.password as string))) : undefined;
  const isFull = previous?.files === undefined;
  // Only an incremental backup checks the old content before it creates anything (§7.2 step 3): on
  // a full one `U/00…ff` may not exist yet, and some hosts fail a listing of a missing folder.
  let hostFiles = isFull ? new Map<string, number>() : await listHostContent(drive, folder);

  // Scan the phone (§7.2 step 4): new or modified regular files are uploaded, the rest kept. The
  // phone is walked twice (once to size the upload for the space check, once to send it while
  // Manifest.db is written row by row to disk) rather than held in memory: a `huge` phone has a
  // million entries.
  const versionBefore = context.phone.version?.();
  const photosInICloud = context.faults().iCloudPhotos ?? settings.iCloudPhotosEnabled === true;
  const scan: ScanContext = { previous, hostFiles, keys, photosInICloud };
  let uploadBytes = 0;
  let recordCount = 0;
  for (const entry of context.phone.entries()) {
    const plan = planEntry(entry, scan);
    if (plan === 'skip') continue;
    recordCount++;
    if (plan.upload) uploadBytes += entry.size;
  }

  await ensureHostSpace(drive, uploadBytes + recordCount * MANIFEST_BYTES_PER_ROW, deviceLinkMajor);

  if (previous && previous.status.snapshotState !== 'finished') {
    // An interrupted run left its Snapshot behind (§7.2 "Resume"); this run uploads afresh, so
    // clear the leftovers first. A host that cannot remove it will fail the final removal anyway.
    context.log(`mobilebackup2: the previous backup stopped while ${previous.status.snapshotState ?? 'unknown'}; starting a fresh snapshot`);
    await drive.removeItems([`${folder}/Snapshot`], 0);
  }

  // Prepare (§7.2 step 7): the folder, its 256 content dirs, the Snapshot and its 256 dirs.
  await drive.createDirectory(folder);
  for (const dir of CONTENT_DIRECTORIES) await drive.createDirectory(`${folder}/${dir}`);
  await drive.createDirectory(`${folder}/Snapshot`);
  for (const dir of CONTENT_DIRECTORIES) await drive.createDirectory(`${folder}/Snapshot/${dir}`);
  // A full backup over an earlier one (forced, or its manifest unusable) still removes what the phone
  // no longer has; the folders exist now, so listing them asks for nothing missing [inferred, §7.2].
  // (A full backup uploads every file whatever the computer holds, so the plans stay the same.)
  if (isFull && previous !== undefined) hostFiles = await listHostContent(drive, folder);

  const uuid = isFull ? randomUUID().toUpperCase() : (previous?.status.uuid ?? randomUUID().toUpperCase());
  const uploadStatus = (snapshotState: SnapshotState, progress: number): Promise<void> =>
    drive.uploadFiles([statusUpload(folder, { uuid, snapshotState, isFullBackup: isFull })], progress);
  await uploadStatus('uploading', 0);

  // Upload (§7.2 step 9) in batches of at most 128 files, in the phone's order, each row going
  // into Manifest.db as it is reached.
  // iCloud Photos changes the listing without changing the phone, so it is part of the key too.
  const manifestDb = new ManifestBuilder(session, keys, versionBefore === undefined ? undefined : `${versionBefore}${photosInICloud ? '+icloud-photos' : ''}`);
  const uploaded = new FileIdList();
  const sendBatch = async (batch: readonly PlannedUpload[], sentBytes: number): Promise<void> => {
    const batchBytes = batch.reduce((sum, upload) => sum + upload.entry.size, 0);
    const items = batch.map((upload): UploadItem => ({
      deviceName: `${upload.entry.domain}-${upload.entry.relativePath}`,
      hostPath: `${folder}/Snapshot/${contentPathFor(upload.fileId)}`,
      content: () => {
        if (keys && upload.key) return encryptChunks(context.phone.readContent(upload.entry, FILE_BLOCK_BYTES), keys, upload.key);
        // The store's synchronous reader spares two promises per chunk of a 4 KB file.
        return context.phone.readContentSync?.(upload.entry, FILE_BLOCK_BYTES) ?? context.phone.readContent(upload.entry, FILE_BLOCK_BYTES);
      },
    }));
    await drive.uploadFiles(items, uploadBytes === 0 ? 100 : (90 * (sentBytes + batchBytes)) / uploadBytes, batchBytes);
  };
  let manifest;
  try {
    let batch: PlannedUpload[] = [];
    let sentBytes = 0;
    for (const entry of context.phone.entries()) {
      const plan = planEntry(entry, scan);
      if (plan === 'skip') continue;
      // What is left in hostFiles after the walk is on the computer but no longer on the phone.
      if (entry.kind === 'file') hostFiles.delete(plan.fileId);
      const fileKey = plan.upload && keys && entry.size > 0 ? newFileKey(keys, entry.protectionClass) : undefined;
      const encryptionKey = fileKey?.encryptionKey ?? plan.keptKey;
      manifestDb.add({ entry, fileId: plan.fileId, ...(encryptionKey ? { encryptionKey } : {}) });
      if (!plan.upload) continue;
      batch.push({ entry, fileId: plan.fileId, key: fileKey?.key });
      uploaded.push(plan.fileId);
      if (batch.length === BATCH_FILES) {
        await sendBatch(batch, sentBytes);
        sentBytes += batch.reduce((sum, upload) => sum + upload.entry.size, 0);
        batch = [];
      }
    }
    if (batch.length > 0) await sendBatch(batch, sentBytes);
    // The phone version the rows describe, if nothing changed it while they were listed.
    manifest = manifestDb.finish(context.phone.version?.() === versionBefore);
  } catch (error) {
    manifestDb.abort();
    throw error;
  }
  const removals = [...hostFiles.keys()];

  // The snapshot's metadata (§7.2 step 10): Manifest.plist, then Manifest.db.
  await drive.uploadFiles(
    [
      { deviceName: 'Manifest.plist', hostPath: `${folder}/Snapshot/Manifest.plist`, content: () => once(manifest.plist) },
      { deviceName: 'Manifest.db', hostPath: `${folder}/Snapshot/Manifest.db`, content: () => manifest.dbChunks(MANIFEST_CHUNK_BYTES) },
    ],
    92,
  );
  await uploadStatus('moving', 92);

  // Move (§7.2 steps 12–13): content into place, then the two metadata files one at a time.
  let moved = 0;
  for (const batch of uploaded.batches(BATCH_FILES)) {
    moved += batch.length;
    const moves = batch.map((fileId) => [`${folder}/Snapshot/${contentPathFor(fileId)}`, `${folder}/${contentPathFor(fileId)}`] as const);
    await drive.moveItems(moves, 92 + (6 * moved) / uploaded.length);
  }
  await drive.moveItems([[`${folder}/Snapshot/Manifest.db`, `${folder}/Manifest.db`]], 98);
  await drive.moveItems([[`${folder}/Snapshot/Manifest.plist`, `${folder}/Manifest.plist`]], 98);
  await uploadStatus('removing', 98);

  // Remove (§7.2 steps 15–16): files gone from the phone, then the empty Snapshot. Its 256
  // subdirectories go first because some hosts (libimobiledevice 1.3.0) only remove empty dirs.
  for (const batch of batches(removals, BATCH_FILES)) {
    await drive.removeItems(batch.map((fileId) => `${folder}/${contentPathFor(fileId)}`), 99);
  }
  const snapshotDirs = CONTENT_DIRECTORIES.map((dir) => `${folder}/Snapshot/${dir}`);
  for (const batch of batches(snapshotDirs, BATCH_FILES)) await drive.removeItems(batch, 99);
  const removed = await drive.removeItems([`${folder}/Snapshot`], 100);
  if (removed.code !== 0) throw new MobileBackupError(MB_ERROR.multipleUploadErrors, 'Error removing snapshot directory');
  await uploadStatus('finished', 100);

  context.settings.update({ lastBackupDate: appleSecondsNow() });
  context.log(`mobilebackup2: ${isFull ? 'full' : 'incremental'} backup finished: ${uploaded.length} files sent, ${removals.length} removed`);
  await drive.finish(0);
}

interface ScanContext {
  readonly previous: PreviousBackup | undefined;
  /** fileID → stored size of the content files on the computer. */
  readonly hostFiles: ReadonlyMap<string, number>;
  readonly keys: BackupCipher | undefined;
  readonly photosInICloud: boolean;
}

/** One entry's fate: left out, or a Manifest.db row whose file is uploaded or kept (with its old key). */
type EntryPlan = 'skip' | { readonly fileId: string; readonly upload: boolean; readonly keptKey?: Buffer };

/**
 * Decides an entry the same way on every walk of an unchanged phone: a regular file is kept when
 * the previous backup lists it with the same size and date and the computer holds its content.
 */
function planEntry(entry: PhoneEntry, scan: ScanContext): EntryPlan {
  if (isAfcControlPath(entry.relativePath)) return 'skip';
  if (scan.photosInICloud && isPhotoLibraryOriginal(entry)) return 'skip';
  const fileId = fileIdOf(entry);
  if (entry.kind !== 'file') return { fileId, upload: false };
  const { keys } = scan;
  const old = scan.previous?.files?.get(fileId);
  const storedSize = keys ? encryptedSize(entry.size) : entry.size;
  const unchanged =
    old !== undefined && old.size === entry.size && old.mtime === entry.mtime && scan.hostFiles.get(fileId) === storedSize &&
    (keys === undefined || entry.size === 0 || old.encryptionKey !== undefined);
  if (!unchanged) return { fileId, upload: true };
  return { fileId, upload: false, ...(old.encryptionKey ? { keptKey: old.encryptionKey } : {}) };
}

/**
 * With iCloud Photos on, the photo library is backed up by iCloud, not into a computer backup: the
 * originals under Media/DCIM stay out, as Apple says ("If you use iCloud Photos, your photos and
 * videos are not part of your computer backup"). Which PhotoData files go too is not known; the
 * simulator keeps them, so the backup holds the library database but no photos.
 */
function isPhotoLibraryOriginal(entry: PhoneEntry): boolean {
  return entry.domain === 'CameraRollDomain' && (entry.relativePath === 'Media/DCIM' || entry.relativePath.startsWith('Media/DCIM/'));
}

function statusUpload(folder: string, status: { uuid: string; snapshotState: SnapshotState; isFullBackup: boolean }): UploadItem {
  const bytes = buildStatusPlist({ ...status, date: new Date(), backupState: 'new' });
  return { deviceName: 'Status.plist', hostPath: `${folder}/Status.plist`, content: () => once(bytes) };
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** Manifest.db goes out in pieces the size the file reader used to hand out (the wire bytes do not depend on it). */
const MANIFEST_CHUNK_BYTES = 256 * 1024;

/**
 * File IDs of listed entries. The phone hands out the same entry objects while it is unchanged,
 * so a second backup hashes none of its 50,000 paths again.
 */
const fileIds = new WeakMap<PhoneEntry, string>();

function fileIdOf(entry: PhoneEntry): string {
  let fileId = fileIds.get(entry);
  if (fileId === undefined) {
    fileId = fileIdFor(entry.domain, entry.relativePath);
    fileIds.set(entry, fileId);
  }
  return fileId;
}

/** The content files already on the computer, fileID → size, from its 256 `xx` folders (§7.2 step 3). */
async function listHostContent(drive: HostDrive, folder: string): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  for (const dir of CONTENT_DIRECTORIES) {
    for (const [name, info] of await drive.contentsOfDirectory(`${folder}/${dir}`)) {
      if (info.type === 'regular' && /^[0-9a-f]{40}$/.test(name)) files.set(name, info.size);
    }
  }
  return files;
}

/** GetFreeDiskSpace, then PurgeDiskSpace on DeviceLink 400, else ErrorCode 105 (§3.6.3, §3.6.4). */
async function ensureHostSpace(drive: HostDrive, bytes: number, deviceLinkMajor: number): Promise<void> {
  const needed = bytes + HOST_SPARE_BYTES;
  let free = await drive.freeDiskSpace();
  if (free === undefined || free >= needed) return;
  if (deviceLinkMajor >= 400) {
    await drive.purgeDiskSpace(needed - free + PURGE_EXTRA_BYTES, purgeTimeoutMs());
    free = await drive.freeDiskSpace();
    if (free === undefined || free >= needed) return;
  }
  throw new MobileBackupError(MB_ERROR.hostDiskFull, 'Insufficient free disk space on drive to back up');
}

function purgeTimeoutMs(): number {
  const value = Number.parseInt(process.env.LIFEBOAT_SIM_PURGE_TIMEOUT_MS ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : 2000;
}
