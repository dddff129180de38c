import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodePlist, isPlistDict, PLIST_BUDGETS } from '../../device/codec';
import { BackupError } from '../backup-error';
import { decryptManifestDb, encryptManifestDb, unlockBackup } from '../crypto';
import { type StoreFs, filterManifestDb } from '../store';
import type { UploadFilter } from './drive-context';

/**
 * The Camera Roll toggle (protocol.md §5.8): when off, the backup holds none of the Camera Roll's
 * files — domain CameraRollDomain, and `Media/DCIM/…` / `Media/PhotoData/…` wherever they show up —
 * nor their Manifest.db rows.
 */
export function isCameraRollItem(domain: string, relativePath: string): boolean {
  return domain === 'CameraRollDomain' || /^Media\/(DCIM|PhotoData)(\/|$)/.test(relativePath);
}

/** Content uploads (`<U>/Snapshot/xx/<id>`) whose device-side name (§3.6.2) is a Camera Roll file. */
export const cameraRollUploadFilter: UploadFilter = {
  discard(deviceName, devicePath) {
    if (!/\/(Snapshot\/)?[0-9a-f]{2}\/[0-9a-f]{40}$/.test(devicePath)) return false;
    return deviceName.startsWith('CameraRollDomain-') || /(^|[-/])Media\/(DCIM|PhotoData)(\/|$)/.test(deviceName);
  },
};

interface ManifestRewrite {
  /** The plaintext or encrypted Manifest.db the device uploaded. */
  readonly databasePath: string;
  /** The Manifest.plist of the same snapshot (for IsEncrypted and the ManifestKey). */
  readonly manifestPlistPath: string;
  readonly password: string | undefined;
  /** fileIDs of uploads that were discarded: their rows go too, whatever their domain. */
  readonly discardedFileIds: ReadonlySet<string>;
  readonly storeFs: StoreFs;
}

/**
 * Rewrites the snapshot's Manifest.db without Camera Roll rows, decrypting and re-encrypting with
 * the same ManifestKey when the backup is encrypted (§6.4). The new file replaces the old one by
 * rename. Returns the fileIDs of the rows removed: content files an earlier backup (taken with the
 * Camera Roll on) left under `xx/` must go too.
 */
export async function removeCameraRollRows(rewrite: ManifestRewrite): Promise<string[]> {
  const manifestBytes = await fs.readFile(rewrite.manifestPlistPath);
  const manifest = decodePlist(manifestBytes, PLIST_BUDGETS.metadataFile);
  const encrypted = isPlistDict(manifest) && manifest.IsEncrypted === true;
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'lifeboat-manifest-'));
  try {
    const plainIn = path.join(scratch, 'in.db');
    const plainOut = path.join(scratch, 'out.db');
    let keys;
    if (encrypted) {
      if (rewrite.password === undefined) {
        throw new BackupError('password-required', 'This backup is encrypted: enter the backup password so Lifeboat can leave the Camera Roll out.');
      }
      keys = await unlockBackup(manifestBytes, rewrite.password);
      await fs.writeFile(plainIn, decryptManifestDb(await fs.readFile(rewrite.databasePath), keys));
    } else {
      await fs.copyFile(rewrite.databasePath, plainIn);
    }
    const removed: string[] = [];
    filterManifestDb(plainIn, plainOut, (row) => {
      const keep = !isCameraRollItem(row.domain, row.relativePath) && !rewrite.discardedFileIds.has(row.fileId);
      if (!keep) removed.push(row.fileId);
      return keep;
    });
    const plain = await fs.readFile(plainOut);
    await rewrite.storeFs.writeFile(rewrite.databasePath, keys ? encryptManifestDb(plain, keys) : plain);
    return removed;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** Deletes the content files (`xx/<fileID>`) of removed rows from a backup folder. */
export async function removeContentFiles(folder: string, fileIds: Iterable<string>): Promise<number> {
  let count = 0;
  for (const fileId of fileIds) {
    if (!/^[0-9a-f]{40}$/.test(fileId)) continue;
    const file = path.join(folder, fileId.slice(0, 2), fileId);
    try {
      await fs.unlink(file);
      count += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return count;
}
