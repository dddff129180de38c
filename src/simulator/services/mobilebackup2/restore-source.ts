import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { plistString } from '../../../main/device/codec';
import { type ParsedManifestPlist, parseManifestPlist, parseStatusPlist } from '../../backup-format/backup-plists';
import type { BackupCipher } from '../../backup-format/encryption';
import { BackupFormatError, WrongPasswordError } from '../../backup-format/errors';
import { type ManifestRow, readManifestDb } from '../../backup-format/manifest-db';
import { unlockBackupCipher } from './backup-crypto';
import { MB_ERROR, MobileBackupError } from './mb-error';
import type { Session } from './session';

export interface RestoreSource {
  readonly manifest: ParsedManifestPlist;
  readonly cipher: BackupCipher | undefined;
  /** Path of the plaintext Manifest.db in the session's scratch directory. */
  readonly manifestDbPath: string;
}

/**
 * Restore step 1 (protocol.md §7.3): read the source backup's Status.plist, Manifest.plist and
 * Manifest.db through DownloadFiles and check that this phone can take it: a finished snapshot,
 * an iOS no newer than the phone's, and the right password for an encrypted backup.
 */
export async function readRestoreSource(session: Session, folder: string, password: string | undefined): Promise<RestoreSource> {
  const statusPath = `${folder}/Status.plist`;
  const manifestPath = `${folder}/Manifest.plist`;
  const dbPath = `${folder}/Manifest.db`;
  const manifestDbPath = session.scratchPath('restore-Manifest.db');
  const small = new Map<string, Buffer>();
  let haveDb = false;
  await session.drive.downloadFiles([statusPath, manifestPath, dbPath], 0, async (path, file) => {
    if (path === dbPath) {
      const out = createWriteStream(manifestDbPath);
      for await (const chunk of file.chunks()) {
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      out.end();
      await finished(out);
      haveDb = file.error === undefined;
      return;
    }
    const parts: Buffer[] = [];
    for await (const chunk of file.chunks()) parts.push(chunk);
    if (file.error === undefined) small.set(path, Buffer.concat(parts));
  });

  const statusBytes = small.get(statusPath);
  if (statusBytes === undefined) throw new MobileBackupError(MB_ERROR.noSuchFile, 'Error reading backup status: No such file or directory');
  let status;
  let manifest: ParsedManifestPlist;
  try {
    status = parseStatusPlist(statusBytes);
  } catch (error) {
    throw new MobileBackupError(MB_ERROR.deviceRead, `Error reading backup status: ${(error as Error).message}`);
  }
  if (status.backupState === 'empty') throw new MobileBackupError(MB_ERROR.backupStateEmpty, 'Backup state is empty');
  if (status.backupState !== undefined && status.backupState !== 'new') {
    throw new MobileBackupError(MB_ERROR.unsupportedVersion, `Unsupported backup state ${status.backupState}`);
  }
  if (status.snapshotState !== 'finished') {
    throw new MobileBackupError(MB_ERROR.backupStateEmpty, `The backup is incomplete (snapshot state ${status.snapshotState ?? 'missing'})`);
  }
  try {
    manifest = parseManifestPlist(small.get(manifestPath) ?? Buffer.alloc(0));
  } catch (error) {
    throw new MobileBackupError(MB_ERROR.badBackupProperties, `Error reading backup properties: ${(error as Error).message}`);
  }
  const backupVersion = plistString(manifest.lockdown['ProductVersion']);
  if (backupVersion !== undefined && compareOsVersions(backupVersion, session.context.identity.productVersion) > 0) {
    throw new MobileBackupError(MB_ERROR.unsupportedVersion, 'Backup is from an incompatible OS version');
  }
  if (!haveDb) throw new MobileBackupError(MB_ERROR.badBackupProperties, 'Error reading backup database: Manifest.db is missing');

  let cipher: BackupCipher | undefined;
  if (manifest.isEncrypted) {
    if (!manifest.backupKeyBag) throw new MobileBackupError(MB_ERROR.badBackupProperties, 'No keybag in manifest');
    if (password === undefined || password === '') {
      throw new MobileBackupError(MB_ERROR.encryption, 'Invalid password when restoring encrypted backup: no password given');
    }
    try {
      cipher = await unlockBackupCipher(manifest.backupKeyBag, password);
    } catch (error) {
      if (error instanceof WrongPasswordError) throw new MobileBackupError(MB_ERROR.encryption, 'Invalid password when restoring encrypted backup');
      throw new MobileBackupError(MB_ERROR.badBackupProperties, `Error reading backup keybag: ${(error as Error).message}`);
    }
    if (manifest.manifestKey) {
      try {
        writeFileSync(manifestDbPath, cipher.openManifestDb(readFileSync(manifestDbPath), manifest.manifestKey));
      } catch (error) {
        throw new MobileBackupError(MB_ERROR.badBackupProperties, `Error reading backup database: ${(error as Error).message}`);
      }
    }
  }
  return { manifest, cipher, manifestDbPath };
}

/** Every row of the source Manifest.db; a broken database is the device's 205. */
export function* sourceRows(source: RestoreSource): IterableIterator<ManifestRow> {
  try {
    yield* readManifestDb(source.manifestDbPath);
  } catch (error) {
    if (error instanceof BackupFormatError) throw new MobileBackupError(MB_ERROR.badBackupProperties, `Error reading backup database: ${error.message}`);
    throw error;
  }
}

/** Dotted iOS versions compared numerically: "17.5.1" > "17.5" > "9.3". */
export function compareOsVersions(a: string, b: string): number {
  const left = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const right = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
