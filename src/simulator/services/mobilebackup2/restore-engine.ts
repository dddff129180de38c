import {
  type PlistDict,
  decodePlist,
  encodePlist,
  isPlistDict,
  plistBoolean,
  plistDictOf,
  plistString,
} from '../../../main/device/codec';
import { contentPathFor } from '../../backup-format/file-id';
import type { ManifestRow } from '../../backup-format/manifest-db';
import type { PhoneEntryInput, PhoneEntryKind } from '../../phone/phone-model';
import { decryptChunks } from './backup-crypto';
import { BATCH_FILES } from './backup-engine';
import type { IncomingFile } from './host-drive';
import { MB_ERROR, MobileBackupError } from './mb-error';
import { type RestoreSource, readRestoreSource, sourceRows } from './restore-source';
import { type Session, backupFolderOf, batches, isAfcControlPath, isSystemDomain } from './session';

/** How long the "rebooting" phone stays away from usbmuxd after a restore. */
const REBOOT_DOWNTIME_MS = 1500;
/** Give the host time to read the final message before the cable "drops" for the reboot. */
const REBOOT_DELAY_MS = 500;
/** A backup copy needs this much room beyond its size (§7.3 step 2). */
const COPY_SPARE_BYTES = 128 * 1024 * 1024;

interface RestoreOptions {
  readonly systemFiles: boolean;
  readonly shouldReboot: boolean;
  readonly copyBackup: boolean;
  readonly removeItemsNotRestored: boolean;
  readonly password: string | undefined;
}

const KIND_BY_FLAGS: Readonly<Record<number, PhoneEntryKind>> = { 1: 'file', 2: 'directory', 4: 'symlink' };

/** Restore options with the device's defaults for absent keys (§7.3 table). */
function restoreOptionsOf(request: PlistDict): RestoreOptions {
  const options = plistDictOf(request['Options']) ?? {};
  const flag = (key: string, fallback: boolean): boolean => plistBoolean(options[key]) ?? fallback;
  return {
    systemFiles: flag('RestoreSystemFiles', true),
    shouldReboot: flag('RestoreShouldReboot', true),
    copyBackup: !flag('RestoreDontCopyBackup', false),
    removeItemsNotRestored: flag('RemoveItemsNotRestored', true),
    password: plistString(options['Password']) ?? plistString(request['Password']),
  };
}

/**
 * A restore as the device drives it (protocol.md §7.3): check the phone may be restored, read the
 * backup's metadata, optionally have the host copy the backup, then pull every regular file with
 * DownloadFiles and rebuild the phone's entries from Manifest.db, and finally reboot.
 */
export async function runRestore(session: Session, request: PlistDict): Promise<void> {
  const { context, drive } = session;
  const options = restoreOptionsOf(request);
  const folder = backupFolderOf(request, context);

  if (context.settings.get().findMyEnabled) {
    throw new MobileBackupError(MB_ERROR.findMyEnabled, 'Find My iPhone must be disabled before restoring');
  }
  if (context.faults().locked) throw new MobileBackupError(MB_ERROR.deviceLocked, 'Device locked');

  const source = await readRestoreSource(session, folder, options.password);
  const rows: ManifestRow[] = [];
  for (const row of sourceRows(source)) {
    if (!options.systemFiles && isSystemDomain(row.domain)) continue;
    if (isAfcControlPath(row.relativePath)) continue;
    rows.push(row);
  }
  const files = rows.filter((row) => row.flags === 1);
  const restoreBytes = files.reduce((sum, row) => sum + row.file.size, 0);

  if (options.copyBackup) await copyBackupOnHost(session, folder, restoreBytes);
  checkDeviceSpace(session, files, restoreBytes);

  // Directories first so files land in them with their own metadata (§7.3 step 3).
  const directories = rows.filter((row) => row.flags === 2);
  for (const row of directories) context.phone.putEntry(entryInputOf(row));

  const failed: string[] = [];
  let doneBytes = 0;
  for (const batch of batches(files, BATCH_FILES)) {
    const byPath = new Map<string, ManifestRow>(batch.map((row) => [`${folder}/${contentPathFor(row.fileId)}`, row]));
    const received = new Set<string>();
    const batchBytes = batch.reduce((sum, row) => sum + row.file.size, 0);
    // The real is the progress once this batch is through ("after this step", §3.5).
    const percentAfter = restoreBytes === 0 ? 95 : (95 * (doneBytes + batchBytes)) / restoreBytes;
    const failures = await drive.downloadFiles([...byPath.keys()], percentAfter, async (path, file) => {
      const row = byPath.get(path);
      if (!row) return;
      if (await writeRestoredFile(session, source, row, file)) received.add(path);
    });
    for (const path of byPath.keys()) if (!received.has(path) || failures.has(path)) failed.push(path);
    doneBytes += batchBytes;
  }

  for (const row of rows) if (row.flags === 4) context.phone.putEntry(entryInputOf(row));
  // Writing files may have touched their parents; put the directories' own metadata back.
  for (const row of directories) context.phone.putEntry(entryInputOf(row));
  if (options.removeItemsNotRestored) removeItemsNotInBackup(session, rows, options.systemFiles);

  if (failed.length > 0) {
    context.log(`mobilebackup2: restore could not get ${failed.length} files, e.g. ${failed[0]}`);
    throw new MobileBackupError(MB_ERROR.badBackupProperties, 'Multiple errors downloading files');
  }
  context.log(`mobilebackup2: restored ${files.length} files (${restoreBytes} bytes) from ${folder}`);
  await drive.finish(0);
  if (options.shouldReboot) scheduleReboot(session);
}

/** Writes one downloaded file into the phone; false when the host could not send it. */
async function writeRestoredFile(session: Session, source: RestoreSource, row: ManifestRow, file: IncomingFile): Promise<boolean> {
  const chunks = file.chunks();
  const first = await chunks.next();
  if (first.done && file.error !== undefined) return false;
  async function* content(): AsyncGenerator<Buffer> {
    if (!first.done) yield first.value;
    yield* { [Symbol.asyncIterator]: () => chunks };
  }
  const key = source.cipher && row.file.encryptionKey ? source.cipher.fileKeyFrom(row.file.encryptionKey) : undefined;
  const plain = source.cipher && key ? decryptChunks(content(), source.cipher, key, row.file.size) : content();
  await session.context.phone.writeFile(entryInputOf(row), plain);
  return file.error === undefined;
}

function entryInputOf(row: ManifestRow): PhoneEntryInput {
  const { file } = row;
  return {
    domain: row.domain,
    relativePath: row.relativePath,
    kind: KIND_BY_FLAGS[row.flags] ?? 'file',
    mode: file.mode,
    uid: file.uid,
    gid: file.gid,
    mtime: file.mtime,
    ctime: file.ctime,
    birth: file.birth,
    protectionClass: file.protectionClass,
    ...(file.linkTarget !== undefined ? { linkTarget: file.linkTarget } : {}),
  };
}

/** Fails with 106 when the phone cannot hold the files, counting the space the old copies free (§7.3 step 3). */
function checkDeviceSpace(session: Session, files: readonly ManifestRow[], restoreBytes: number): void {
  const { phone } = session.context;
  let replacedBytes = 0;
  for (const row of files) replacedBytes += phone.entry(row.domain, row.relativePath)?.size ?? 0;
  const free = session.context.faults().deviceFreeBytes ?? phone.freeBytes();
  if (restoreBytes - replacedBytes > free) {
    throw new MobileBackupError(MB_ERROR.deviceDiskFull, 'Insufficient free disk space on device to restore');
  }
}

/**
 * RemoveItemsNotRestored: entries in the restored scope that the backup does not have go away.
 * Directories that still hold restored entries stay, and the AFC control area is never touched.
 */
function removeItemsNotInBackup(session: Session, rows: readonly ManifestRow[], systemFiles: boolean): void {
  const { phone } = session.context;
  const keep = new Set<string>();
  for (const row of rows) {
    keep.add(`${row.domain}\u0000${row.relativePath}`);
    const parts = row.relativePath.split('/');
    for (let i = 0; i < parts.length; i += 1) keep.add(`${row.domain}\u0000${parts.slice(0, i).join('/')}`);
  }
  const doomed: Array<{ domain: string; relativePath: string }> = [];
  for (const entry of phone.entries()) {
    if (!systemFiles && isSystemDomain(entry.domain)) continue;
    if (isAfcControlPath(entry.relativePath) || keep.has(`${entry.domain}\u0000${entry.relativePath}`)) continue;
    doomed.push({ domain: entry.domain, relativePath: entry.relativePath });
  }
  for (const entry of doomed) phone.removeEntry(entry.domain, entry.relativePath);
}

/**
 * Restore step 2 (§7.3): keep a dated copy of the backup on the computer before restoring from
 * it, when there is room; the copy's Info.plist names the copy.
 */
async function copyBackupOnHost(session: Session, folder: string, backupBytes: number): Promise<void> {
  const { drive, context } = session;
  const infoPath = `${folder}/Info.plist`;
  const info = (await drive.downloadSmallFiles([infoPath])).get(infoPath);
  await drive.contentsOfDirectory(folder);
  const free = await drive.freeDiskSpace();
  if (free !== undefined && free < backupBytes + COPY_SPARE_BYTES) {
    context.log('mobilebackup2: not enough room on the computer to copy the backup; restoring without a copy');
    return;
  }
  const now = new Date();
  const copyName = `${folder}-${formatStamp(now)}`;
  const copied = await drive.copyItem(folder, copyName);
  if (copied.code !== 0 || info === undefined) return;
  let infoPlist: PlistDict;
  try {
    const decoded = decodePlist(info);
    if (!isPlistDict(decoded)) return;
    infoPlist = decoded;
  } catch {
    return;
  }
  const name = plistString(infoPlist['Display Name']) ?? plistString(infoPlist['Device Name']) ?? context.identity.deviceName;
  const updated = encodePlist({ ...infoPlist, 'Target Identifier': copyName, 'Display Name': `${name} - ${now.toISOString().slice(0, 10)}` }, 'xml');
  await drive.uploadFiles([{ deviceName: 'Info.plist', hostPath: `${copyName}/Info.plist`, content: () => once(updated) }], 0);
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** yyyyMMdd-HHmmss, the suffix of a restore-time backup copy (§5.1). */
function formatStamp(date: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/** RestoreShouldReboot: the phone drops off usbmuxd and comes back, as a reboot looks to the host. */
function scheduleReboot(session: Session): void {
  const { context } = session;
  setTimeout(() => {
    if (context.reboot) context.reboot('rebooting after restore', REBOOT_DOWNTIME_MS);
    else context.log('mobilebackup2: this device cannot reboot; staying attached after the restore');
  }, REBOOT_DELAY_MS).unref();
}
