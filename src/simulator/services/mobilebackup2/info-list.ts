import { type PlistDict, plistString } from '../../../main/device/codec';
import { parseManifestPlist, parseStatusPlist } from '../../backup-format/backup-plists';
import { MB_ERROR, MobileBackupError } from './mb-error';
import { type Session, backupFolderOf } from './session';

/**
 * Info (protocol.md §7.4): the device reads the backup's Status.plist and Manifest.plist through
 * DownloadFiles and answers with a final ProcessMessage whose Content describes the backup.
 */
export async function runInfo(session: Session, request: PlistDict): Promise<void> {
  const folder = backupFolderOf(request, session.context);
  const statusPath = `${folder}/Status.plist`;
  const manifestPath = `${folder}/Manifest.plist`;
  const files = await session.drive.downloadSmallFiles([statusPath, manifestPath]);
  const statusBytes = files.get(statusPath);
  if (statusBytes === undefined) throw new MobileBackupError(MB_ERROR.noSuchFile, 'Error reading backup status: No such file or directory');
  let status;
  let manifest;
  try {
    status = parseStatusPlist(statusBytes);
    manifest = parseManifestPlist(files.get(manifestPath) ?? Buffer.alloc(0));
  } catch (error) {
    throw new MobileBackupError(MB_ERROR.badBackupProperties, `Error reading backup properties: ${(error as Error).message}`);
  }
  const lockdown = manifest.lockdown;
  const text = (key: string): string => plistString(lockdown[key]) ?? '?';
  const lines = [
    `Device Name: ${text('DeviceName')}`,
    `Product Type: ${text('ProductType')}`,
    `Product Version: ${text('ProductVersion')}`,
    `Build Version: ${text('BuildVersion')}`,
    `Serial Number: ${text('SerialNumber')}`,
    `Unique Device ID: ${text('UniqueDeviceID')}`,
    `Backup Date: ${(status.date ?? manifest.date)?.toISOString() ?? '?'}`,
    `Backup UUID: ${status.uuid ?? '?'}`,
    `Snapshot State: ${status.snapshotState ?? '?'}`,
    `Full Backup: ${status.isFullBackup ? 'yes' : 'no'}`,
    `Encrypted: ${manifest.isEncrypted ? 'yes' : 'no'}`,
    `Applications: ${Object.keys(manifest.applications).length}`,
  ];
  await session.drive.finish(0, undefined, `${lines.join('\n')}\n`);
}

/**
 * List, Unback and Extract (§7.4) still look for the iOS ≤ 9 Manifest.mbdb. A phone that writes
 * Manifest.db backups therefore answers 205, exactly like real iOS 10+ phones do.
 */
export async function runUnsupportedLegacyListing(session: Session, request: PlistDict): Promise<void> {
  const folder = backupFolderOf(request, session.context);
  const statusPath = `${folder}/Status.plist`;
  const mbdbPath = `${folder}/Manifest.mbdb`;
  const files = await session.drive.downloadSmallFiles([statusPath, `${folder}/Manifest.plist`, mbdbPath]);
  if (!files.has(statusPath)) throw new MobileBackupError(MB_ERROR.noSuchFile, 'Error reading backup status: No such file or directory');
  throw new MobileBackupError(MB_ERROR.badBackupProperties, 'Error reading backup database: Manifest.mbdb is missing (this backup uses Manifest.db)');
}
