import fs from 'node:fs/promises';
import { formatBytes } from '../../../shared/format';
import { BackupError } from '../backup-error';

/** Room the device itself insists on beyond the upload (protocol.md §3.6.3). */
const SPARE_BYTES = 128 * 1024 * 1024;

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
async function freeBytesAt(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

interface SpaceEstimate {
  /** Bytes this run will probably add. */
  readonly neededBytes: number;
  readonly freeBytes: number;
}

/** Share of the previous backup a later run is assumed to rewrite (changed files, the new Manifest.db). */
const INCREMENTAL_CHANGE_SHARE = 0.1;

/**
 * Before anything starts: will the backup fit? A first backup needs about the phone's used space
 * (com.apple.disk_usage; an over-estimate, as app binaries are not backed up). A later one only
 * writes what changed, since unchanged files are shared by hard links with the previous backup:
 * estimated as a tenth of the previous backup's size. Either way the device checks again with
 * GetFreeDiskSpace (§3.6.3) once it knows the real upload size, and a full disk mid-run is caught.
 */
export async function checkDiskSpace(root: string, phoneUsedBytes: number | undefined, previousBackupBytes: number | undefined): Promise<SpaceEstimate> {
  const freeBytes = await freeBytesAt(root);
  const estimate = previousBackupBytes !== undefined ? previousBackupBytes * INCREMENTAL_CHANGE_SHARE : phoneUsedBytes;
  if (estimate === undefined) return { neededBytes: 0, freeBytes };
  const neededBytes = Math.round(estimate) + SPARE_BYTES;
  if (freeBytes < neededBytes) {
    throw new BackupError(
      'disk-full',
      `Not enough free space for this backup: it needs about ${formatBytes(neededBytes)} on the backup drive and only ${formatBytes(freeBytes)} is free. Free some space or choose another backup folder.`,
    );
  }
  return { neededBytes, freeBytes };
}
