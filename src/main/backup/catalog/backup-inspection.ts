import fs from 'node:fs/promises';
import path from 'node:path';
import { plistBoolean, plistDictOf, plistString, type PlistDict } from '../../device/codec';
import { isBackupError } from '../backup-error';
import { encryptedContentSize, type BackupKeys } from '../crypto';
import { openFileList } from './backup-file-list';
import { readBackupMetadata, valueOf, type BackupMetadata, type MetadataFile } from './backup-metadata';
import { VERIFY_EXAMPLE_LIMIT, type BackupProblem, type BackupRecord, type BackupStatus, type VerifyFileProblem } from './catalog-model';
import { isDeltaSnapshot, resolveSnapshotFiles, snapshotPlace } from '../store/snapshot-chain';
import { measureFolder } from './folder-usage';
import { countCameraRollItems } from '../../../shared/camera-roll-items';

/**
 * Looks at one backup folder and says what it is, how big, how many files and photos, and whether
 * it is complete, incomplete or damaged — never throwing for a bad backup: a damaged backup is a
 * catalog entry with reasons, not a crash.
 */

/** Everything in a BackupRecord the folder itself decides. */
type Inspection = Omit<BackupRecord, 'id' | 'path' | 'location' | 'checkedAt'>;

interface FileCheck {
  readonly checked: number;
  readonly missingCount: number;
  readonly wrongSizeCount: number;
  readonly missing: readonly VerifyFileProblem[];
  readonly wrongSize: readonly VerifyFileProblem[];
}

export interface InspectionResult {
  readonly inspection: Inspection;
  /** `dev:ino` → size, for totals that count a hard-linked file once. */
  readonly inodes: ReadonlyMap<string, number>;
  /** Undefined when the file list could not be read (encrypted without a password, damaged, absent). */
  readonly fileCheck?: FileCheck;
}

/** `<UDID>-yyyyMMdd-HHmmss`: Finder's archive / the restore-time copy (§5.1, §7.3). */
const ARCHIVE_NAME = /^(.+)-(\d{8})-(\d{6})$/;

function text(dict: PlistDict | undefined, key: string): string | undefined {
  const value = plistString(dict?.[key]);
  return value && value.trim() ? value : undefined;
}

function dateOf(dict: PlistDict | undefined, key: string): Date | undefined {
  const value = dict?.[key];
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
}

function describeMetadataProblems(metadata: BackupMetadata): BackupProblem[] {
  const problems: BackupProblem[] = [];
  const unreadable = (name: string, file: MetadataFile<unknown>): void => {
    if (file.state === 'unreadable') problems.push({ severity: 'damaged', message: `${name} cannot be read (${file.reason}).` });
  };
  unreadable('Manifest.plist', metadata.manifest);
  unreadable('Status.plist', metadata.status);
  unreadable('Info.plist', metadata.info);
  if (metadata.manifest.state === 'missing') {
    problems.push({ severity: 'incomplete', message: 'Manifest.plist is missing: the phone never finished writing this backup.' });
  }
  if (metadata.status.state === 'missing') {
    problems.push({ severity: 'incomplete', message: 'Status.plist is missing: the phone never finished writing this backup.' });
  }
  const status = valueOf(metadata.status);
  const snapshotState = text(status, 'SnapshotState');
  if (status && snapshotState !== 'finished') {
    // §5.5/§7.3: only a finished snapshot can be restored.
    problems.push({ severity: 'incomplete', message: `The last backup run did not finish (Status.plist SnapshotState is ${snapshotState ? `"${snapshotState}"` : 'not set'}).` });
  }
  if (metadata.info.state === 'missing') {
    problems.push({ severity: 'incomplete', message: 'Info.plist is missing, so the backup cannot be restored as it is.' });
  }
  return problems;
}

function identify(folder: string, metadata: BackupMetadata, snapshotOf: string | undefined) {
  const info = valueOf(metadata.info);
  const manifest = valueOf(metadata.manifest);
  const lockdown = plistDictOf(manifest?.Lockdown);
  const status = valueOf(metadata.status);
  const rawUdid = text(lockdown, 'UniqueDeviceID') ?? text(info, 'Target Identifier') ?? text(info, 'Unique Identifier') ?? snapshotOf ?? path.basename(folder);
  const dates: Array<[Date | undefined, BackupRecord['createdAtSource']]> = [
    [dateOf(status, 'Date'), 'Status.plist'],
    [dateOf(manifest, 'Date'), 'Manifest.plist'],
    [dateOf(info, 'Last Backup Date'), 'Info.plist'],
  ];
  const [createdAt, createdAtSource] = dates.find(([date]) => date !== undefined) ?? [undefined, undefined];
  return {
    udid: ARCHIVE_NAME.exec(rawUdid)?.[1] ?? rawUdid,
    deviceName: text(info, 'Device Name') ?? text(lockdown, 'DeviceName') ?? text(info, 'Display Name'),
    modelName: text(info, 'Product Name'),
    productType: text(info, 'Product Type') ?? text(lockdown, 'ProductType'),
    productVersion: text(info, 'Product Version') ?? text(lockdown, 'ProductVersion'),
    buildVersion: text(info, 'Build Version') ?? text(lockdown, 'BuildVersion'),
    createdAt: createdAt?.toISOString(),
    createdAtSource,
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

export interface InspectOptions {
  readonly keys?: BackupKeys;
  /** For snapshots: the UDID of the device the snapshot folder belongs to. */
  readonly snapshotOf?: string;
  /**
   * Also compare every content file's size with the manifest (verify). A listing only checks that
   * the files are there: sizes are what verify is for, and a file truncated in place does not
   * change the folder fingerprint refresh relies on anyway.
   */
  readonly checkSizes?: boolean;
}

/** Every file of a reverse-delta snapshot (relative path → size), resolved through the chain. */
async function snapshotFileSizes(folder: string): Promise<Map<string, number>> {
  const place = snapshotPlace(folder);
  const sizes = new Map<string, number>();
  if (place === undefined) return sizes;
  for (const [relative, full] of await resolveSnapshotFiles(place.root, place.udid, place.id)) {
    const stat = await fs.lstat(full).catch(() => undefined);
    if (stat?.isFile()) sizes.set(relative, stat.size);
  }
  return sizes;
}

export async function inspectBackup(folder: string, options: InspectOptions = {}): Promise<InspectionResult> {
  const metadata = readBackupMetadata(folder);
  const usage = await measureFolder(folder);
  const problems = describeMetadataProblems(metadata);
  const sidecar = valueOf(metadata.sidecar);
  const manifest = valueOf(metadata.manifest);
  const snapshotOf = options.snapshotOf ?? (typeof sidecar?.snapshotOf === 'string' ? sidecar.snapshotOf : undefined);
  let encrypted = plistBoolean(manifest?.IsEncrypted) === true;
  // A reverse-delta snapshot holds only what changed after it: its files are the chain's.
  const chainFiles = (await isDeltaSnapshot(folder)) ? await snapshotFileSizes(folder) : undefined;
  let contentBytes = 0;
  for (const size of (chainFiles ?? usage.files).values()) contentBytes += size;

  let format: BackupRecord['format'] = 'unknown';
  let countsUnknownReason: string | undefined;
  let fileCount: number | undefined;
  let photoCount: number | undefined;
  let fileCheck: FileCheck | undefined;
  try {
    const list = openFileList(folder, options.keys);
    if (list.kind === 'missing') {
      problems.push({ severity: 'incomplete', message: 'Neither Manifest.db nor Manifest.mbdb is present, so the backup has no list of its files.' });
      countsUnknownReason = 'The backup has no list of its files.';
    } else if (list.kind === 'encrypted') {
      format = 'manifest-db';
      encrypted = true;
      countsUnknownReason = 'The backup is encrypted: its files and photos can be counted once its password is entered.';
    } else {
      format = list.format;
      try {
        const onDisk = chainFiles ?? usage.files;
        const counted = checkListedFiles(list, onDisk, encrypted, options.checkSizes === true);
        fileCount = counted.fileCount;
        photoCount = counted.photoCount;
        fileCheck = counted.check;
      } finally {
        list.close();
      }
      problems.push(...describeFileCheck(fileCheck));
    }
  } catch (error) {
    if (!isBackupError(error)) throw error;
    problems.push({ severity: 'damaged', message: error.message });
    countsUnknownReason = 'The backup\'s list of files is damaged, so its files cannot be counted.';
    fileCount = undefined;
    photoCount = undefined;
  }

  const status: BackupStatus = problems.some((problem) => problem.severity === 'damaged') ? 'damaged' : problems.length > 0 ? 'incomplete' : 'complete';
  const excluded = sidecar?.cameraRollExcluded === true;
  const inspection: Inspection = dropUndefined({
    ...identify(folder, metadata, snapshotOf),
    madeBy: typeof sidecar?.lifeboatVersion === 'string' ? 'lifeboat' : 'other',
    sizeBytes: usage.sizeBytes,
    reclaimableBytes: usage.reclaimableBytes,
    contentBytes,
    encrypted,
    fileCount,
    photoCount,
    countsUnknownReason,
    // Without Lifeboat's note, photos in the manifest prove the Camera Roll is in; none proves nothing.
    includesCameraRoll: excluded ? false : (photoCount ?? 0) > 0 || sidecar?.cameraRollExcluded === false ? true : undefined,
    cameraRollBytesSkipped: excluded && typeof sidecar?.cameraRollBytesSkipped === 'number' ? sidecar.cameraRollBytesSkipped : undefined,
    snapshotOf,
    archived: ARCHIVE_NAME.test(path.basename(folder)) || typeof sidecar?.archivedFrom === 'string',
    format,
    status,
    problems,
  });
  return { inspection, inodes: usage.inodes, fileCheck };
}

function checkListedFiles(list: Extract<ReturnType<typeof openFileList>, { kind: 'listed' }>, onDisk: ReadonlyMap<string, number>, encrypted: boolean, checkSizes: boolean) {
  let fileCount = 0;
  // Camera Roll paths, to count captures rather than files (a Live Photo's .MOV, an edit's render and .AAE are part of their photo).
  const dcimPaths: string[] = [];
  let missingCount = 0;
  let wrongSizeCount = 0;
  const missing: VerifyFileProblem[] = [];
  const wrongSize: VerifyFileProblem[] = [];
  for (const row of list.rows({ sizes: checkSizes })) {
    if (row.kind !== 'file') continue;
    fileCount += 1;
    if (row.domain === 'CameraRollDomain' && row.relativePath.startsWith('Media/DCIM/') && !/\/\./.test(row.relativePath)) dcimPaths.push(row.relativePath);
    // §6.5: an encrypted file is stored PKCS#7-padded.
    const expectedBytes = encrypted || row.encryptionKey ? encryptedContentSize(row.size) : row.size;
    const actualBytes = onDisk.get(list.contentPath(row.fileId));
    const problem = { fileId: row.fileId, domain: row.domain, relativePath: row.relativePath, expectedBytes };
    if (actualBytes === undefined) {
      missingCount += 1;
      if (missing.length < VERIFY_EXAMPLE_LIMIT) missing.push(problem);
    } else if (checkSizes && actualBytes !== expectedBytes) {
      wrongSizeCount += 1;
      if (wrongSize.length < VERIFY_EXAMPLE_LIMIT) wrongSize.push({ ...problem, actualBytes });
    }
  }
  const roll = countCameraRollItems(dcimPaths);
  return { fileCount, photoCount: roll.photos + roll.videos, check: { checked: fileCount, missingCount, wrongSizeCount, missing, wrongSize } };
}

function describeFileCheck(check: FileCheck): BackupProblem[] {
  const problems: BackupProblem[] = [];
  const first = check.missing[0];
  if (first) {
    problems.push({
      severity: 'incomplete',
      message: `${check.missingCount} of the ${check.checked} files the backup lists ${check.missingCount === 1 ? 'is' : 'are'} missing (for example ${first.domain}/${first.relativePath}).`,
    });
  }
  const wrong = check.wrongSize[0];
  if (wrong) {
    problems.push({
      severity: 'damaged',
      message: `${check.wrongSizeCount} ${check.wrongSizeCount === 1 ? 'file has' : 'files have'} the wrong size (for example ${wrong.domain}/${wrong.relativePath}: ${wrong.actualBytes} bytes instead of ${wrong.expectedBytes}).`,
    });
  }
  return problems;
}
