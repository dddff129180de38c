import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type PlistDict, isPlistDict, plistString } from '../device/codec';
import { BackupError } from '../backup/backup-error';
import { BackupIndex } from '../browser/backup-index';
import { readPlistFile, valueOf } from '../backup/catalog/backup-metadata';
import { encryptedContentSize, isEncryptedBackup, unlockBackup } from '../backup/crypto';

/**
 * What a restore needs to know about the backup before it touches the phone (protocol.md §7.3
 * step 1): every metadata file is there, the snapshot finished, the password opens the keybag,
 * and how many files and bytes the phone will receive. Everything here only reads the folder.
 */
export interface RestoreSource {
  readonly folder: string;
  /** The UDID the backup belongs to (Manifest.plist Lockdown, Info.plist, else the folder name). */
  readonly udid: string;
  readonly deviceName: string | undefined;
  /** iOS the backup was made from; a phone on an older iOS cannot take it (§7.3, MB 203). */
  readonly productVersion: string | undefined;
  readonly encrypted: boolean;
  readonly fileCount: number;
  readonly totalBytes: number;
  /** Info.plist `Applications` (§5.3): what goes into RestoreApplications.plist. */
  readonly applications: PlistDict | undefined;
  /**
   * fileID → the bytes its content file may hold (the recorded size; padded when encrypted, §6.5):
   * the most the restore sends the phone of it, however long the file in the folder is.
   */
  readonly storedSizes: ReadonlyMap<string, number>;
}

/** Manifest.db files sized between two turns of the event loop. */
const ROWS_PER_TURN = 2048;

/** A Finder-style archive `<UDID>-yyyyMMdd-HHmmss` (§5.1): the UDID is the part before the date. */
const ARCHIVE_SUFFIX = /-\d{8}-\d{6}$/;

/** The plists of a restorable backup, checked (§7.3 step 1); the file list is not opened yet. */
interface RestoreMetadata extends Omit<RestoreSource, 'fileCount' | 'totalBytes' | 'storedSizes'> {
  readonly manifest: PlistDict;
}

/** Everything a restore needs, with the password checked on this computer first. */
export async function inspectRestoreSource(folder: string, password: string | undefined, signal?: AbortSignal): Promise<RestoreSource> {
  const metadata = readRestoreMetadata(folder);
  const counts = await countRestoreFiles(metadata, password, signal);
  const { manifest: _manifest, ...rest } = metadata;
  return { ...rest, ...counts };
}

/** The metadata checks: the files are there and the snapshot finished. Throws BackupError with a sentence. */
export function readRestoreMetadata(folder: string): RestoreMetadata {
  const root = path.resolve(folder);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new BackupError('not-found', `There is no backup folder at ${root}.`);
  const required = ['Info.plist', 'Manifest.plist', 'Status.plist', 'Manifest.db'];
  const missing = required.filter((name) => !fs.existsSync(path.join(root, name)));
  if (missing.length > 0) {
    throw new BackupError('corrupt', `This backup cannot be restored because ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing from ${root}. Nothing was changed on the iPhone.`);
  }
  const info = valueOf(readPlistFile(path.join(root, 'Info.plist')));
  const manifest = valueOf(readPlistFile(path.join(root, 'Manifest.plist')));
  const status = valueOf(readPlistFile(path.join(root, 'Status.plist')));
  if (!manifest || !status) {
    throw new BackupError('corrupt', `This backup cannot be restored because its ${manifest ? 'Status.plist' : 'Manifest.plist'} cannot be read. Nothing was changed on the iPhone.`);
  }
  // §5.5: only a finished snapshot can be restored; anything else is an interrupted backup.
  const snapshotState = plistString(status.SnapshotState);
  if (snapshotState !== 'finished') {
    throw new BackupError('corrupt', `This backup was interrupted before it finished (its state is "${snapshotState ?? 'unknown'}"), so it cannot be restored. Choose an earlier backup. Nothing was changed on the iPhone.`);
  }
  const lockdown = isPlistDict(manifest.Lockdown) ? manifest.Lockdown : undefined;
  const folderName = path.basename(root);
  const udid = plistString(lockdown?.UniqueDeviceID) ?? plistString(info?.['Target Identifier']) ?? plistString(info?.['Unique Identifier']) ?? folderName.replace(ARCHIVE_SUFFIX, '');
  return {
    folder: root,
    udid,
    deviceName: plistString(lockdown?.DeviceName) ?? plistString(info?.['Device Name']),
    productVersion: plistString(lockdown?.ProductVersion) ?? plistString(info?.['Product Version']),
    encrypted: isEncryptedBackup(manifest),
    applications: info && isPlistDict(info.Applications) ? info.Applications : undefined,
    manifest,
  };
}

/** Opens the file list (unlocking an encrypted backup with `password`; `signal` stops the key derivation) and counts files and bytes. */
export async function countRestoreFiles(metadata: RestoreMetadata, password: string | undefined, signal?: AbortSignal): Promise<{ fileCount: number; totalBytes: number; storedSizes: Map<string, number> }> {
  let keys;
  if (metadata.encrypted) {
    if (password === undefined || password === '') {
      throw new BackupError('password-required', 'This backup is encrypted: enter the password that was set when it was made. Nothing was changed on the iPhone.');
    }
    try {
      keys = await unlockBackup(metadata.manifest, password, signal);
    } catch (error) {
      if (error instanceof BackupError && error.code === 'wrong-password') {
        throw new BackupError('wrong-password', 'The password does not open this encrypted backup, so the restore did not start. Nothing was changed on the iPhone.', { cause: error });
      }
      throw error;
    }
  }
  const index = BackupIndex.open(metadata.folder, keys);
  let fileCount = 0;
  let totalBytes = 0;
  const storedSizes = new Map<string, number>();
  try {
    let rows = 0;
    for (const entry of index.fileSizes()) {
      // A turn of the event loop now and then, so the phone's connection (run-restore.ts opens it
      // meanwhile) moves on while a big Manifest.db is read, and a cancel is heard.
      rows += 1;
      if (rows % ROWS_PER_TURN === 0) {
        await yieldToEventLoop();
        if (signal?.aborted) throw new BackupError('cancelled', 'The restore was cancelled before it started. Nothing was changed on the iPhone.');
      }
      fileCount += 1;
      totalBytes += entry.size;
      storedSizes.set(entry.fileId, metadata.encrypted && entry.size > 0 ? encryptedContentSize(entry.size) : entry.size);
    }
  } finally {
    index.close();
  }
  return { fileCount, totalBytes, storedSizes };
}

/** Dotted iOS versions compared numerically: "17.5.1" > "17.5" > "9.3". */
export function compareIosVersions(a: string, b: string): number {
  const left = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const right = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
