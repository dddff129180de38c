import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { type ParsedStatusPlist, parseManifestPlist, parseStatusPlist } from '../../backup-format/backup-plists';
import { BackupFormatError, WrongPasswordError } from '../../backup-format/errors';
import { readManifestDb } from '../../backup-format/manifest-db';
import type { BackupCipher } from '../../backup-format/encryption';
import { unlockBackupCipher } from './backup-crypto';
import { MB_ERROR, MobileBackupError } from './mb-error';
import type { Session } from './session';

/** What the device remembers of a regular file in the previous backup, to decide "unchanged". */
export interface PreviousFile {
  readonly size: number;
  readonly mtime: number;
  readonly encryptionKey: Buffer | undefined;
}

export interface PreviousBackup {
  readonly status: ParsedStatusPlist;
  /** Regular files of the previous Manifest.db by fileID; undefined when this run must be full. */
  readonly files: ReadonlyMap<string, PreviousFile> | undefined;
  /** The previous keybag, reused by an encrypted incremental backup so old file keys stay valid. */
  readonly keys: BackupCipher | undefined;
  readonly fullReason: string | undefined;
}

/**
 * Backup preflight (protocol.md §7.2 steps 1–2, §5.5): read Status.plist; if an incremental backup
 * is possible, read the old Manifest.plist and Manifest.db (decrypting it with the password the
 * phone keeps) so unchanged files can be skipped. Undefined = no previous backup: a full one.
 */
export async function readPreviousBackup(session: Session, folder: string, forceFull: boolean): Promise<PreviousBackup | undefined> {
  const statusPath = `${folder}/Status.plist`;
  const statusBytes = (await session.drive.downloadSmallFiles([statusPath])).get(statusPath);
  if (statusBytes === undefined) return undefined;
  let status: ParsedStatusPlist;
  try {
    status = parseStatusPlist(statusBytes);
  } catch {
    return undefined;
  }
  checkStatusVersion(status);
  const full = (reason: string): PreviousBackup => ({ status, files: undefined, keys: undefined, fullReason: reason });
  if (forceFull) return full('the computer asked for a full backup');

  const manifestPath = `${folder}/Manifest.plist`;
  const dbPath = `${folder}/Manifest.db`;
  const localDb = session.scratchPath('previous-Manifest.db');
  let manifestBytes: Buffer | undefined;
  let haveDb = false;
  await session.drive.downloadFiles([manifestPath, dbPath], 0, async (path, file) => {
    if (path === manifestPath) {
      const parts: Buffer[] = [];
      for await (const chunk of file.chunks()) parts.push(chunk);
      if (file.error === undefined) manifestBytes = Buffer.concat(parts);
    } else if (path === dbPath) {
      const out = createWriteStream(localDb);
      for await (const chunk of file.chunks()) {
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      out.end();
      await finished(out);
      haveDb = file.error === undefined;
    }
  });

  let manifest;
  try {
    manifest = parseManifestPlist(manifestBytes ?? Buffer.alloc(0));
  } catch (error) {
    // A host may blank Manifest.plist next to IsFullBackup=true to force a full backup (§5.5).
    if (status.isFullBackup === true) return full('the previous backup properties are unreadable');
    throw new MobileBackupError(MB_ERROR.badBackupProperties, `Error reading backup properties: ${(error as Error).message}`);
  }
  if (!haveDb) return full('the previous backup has no Manifest.db');

  const settings = session.context.settings.get();
  if (manifest.isEncrypted !== settings.willEncrypt) return full('encryption settings changed');
  let keys: BackupCipher | undefined;
  if (manifest.isEncrypted) {
    if (!manifest.backupKeyBag || !manifest.manifestKey || settings.password === undefined) return full('the previous backup has no keybag');
    try {
      keys = await unlockBackupCipher(manifest.backupKeyBag, settings.password);
    } catch (error) {
      if (error instanceof WrongPasswordError || error instanceof BackupFormatError) {
        return full('the backup password has changed; performing a full backup encrypted with the new password');
      }
      throw error;
    }
    try {
      writeFileSync(localDb, keys.openManifestDb(readFileSync(localDb), manifest.manifestKey));
    } catch (error) {
      if (error instanceof BackupFormatError) return full('the previous Manifest.db does not decrypt');
      throw error;
    }
  }

  const files = new Map<string, PreviousFile>();
  try {
    for (const row of readManifestDb(localDb)) {
      if (row.flags !== 1) continue;
      files.set(row.fileId, { size: row.file.size, mtime: row.file.mtime, encryptionKey: row.file.encryptionKey });
    }
  } catch (error) {
    if (error instanceof BackupFormatError) return full('the previous Manifest.db is unreadable');
    throw error;
  }
  return { status, files, keys, fullReason: undefined };
}

/** Status.plist versions the device accepts: 2.4 ≤ v < 4.0 (§5.5); BackupState must be `new`. */
function checkStatusVersion(status: ParsedStatusPlist): void {
  const version = Number.parseFloat(status.version ?? '3.3');
  if (!(version >= 2.4 && version < 4)) {
    throw new MobileBackupError(MB_ERROR.unsupportedVersion, `Unsupported backup status version ${status.version ?? '?'}`);
  }
  if (status.backupState === 'empty') throw new MobileBackupError(MB_ERROR.backupStateEmpty, 'Backup state is empty');
  if (status.backupState !== undefined && status.backupState !== 'new') {
    throw new MobileBackupError(MB_ERROR.unsupportedVersion, `Unsupported backup state ${status.backupState}`);
  }
}
