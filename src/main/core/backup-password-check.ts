import path from 'node:path';
import { isBackupError } from '../backup/backup-error';
import { unlockBackup } from '../backup/crypto';
import { MAX_METADATA_FILE_BYTES, readRegularFile } from '../backup/store';

/**
 * Tries a backup password on the key bag in the folder's Manifest.plist (§6.2–6.3), so a wrong one
 * is said at the prompt rather than after the work; only a wrong password is an error here.
 * Apart from real-backends.ts so the CLI's backup loads it without the app's other backends.
 */
export async function checkBackupPassword(folder: string, password: string, signal?: AbortSignal): Promise<void> {
  let manifest: Buffer;
  try {
    manifest = await readRegularFile(path.join(folder, 'Manifest.plist'), MAX_METADATA_FILE_BYTES);
  } catch {
    return; // No backup there yet: the phone's own key bag is checked during the backup.
  }
  try {
    await unlockBackup(manifest, password, signal);
  } catch (error) {
    // A cancelled check (reads:cancel, a job's cancel) ends the work too.
    if (isBackupError(error, 'wrong-password') || isBackupError(error, 'cancelled')) throw error;
    // Not encrypted, or a damaged key bag: not this check's business; the work reports it.
  }
}
