import path from 'node:path';
import { BackupError } from '../backup/backup-error';
import { resolveBackupFolder } from '../browser/resolve-backup';
import { resolveBackupRoot } from '../backup/store';
import { FIND_MY_SENTENCE } from './restore-errors';
import { connectForRestore, type RestoreDeviceFacts } from './restore-session';
import { compareIosVersions, countRestoreFiles, readRestoreMetadata } from './restore-source';

/**
 * The restore's pre-flight (issue 5), as a report for a screen: every check that can be made
 * before the phone is touched, each failed one as a BackupError whose message is the sentence.
 */
export interface RestorePreflight {
  readonly udid: string;
  readonly backupFolder: string;
  /** True when nothing blocks the restore. */
  readonly ok: boolean;
  readonly encrypted: boolean;
  /** Encrypted and no (right) password given yet. */
  readonly needsPassword: boolean;
  /** What the phone said about Find My; undefined when it does not say (it then refuses with MB 211). */
  readonly findMyEnabled: boolean | undefined;
  /** Bytes of the backup's files; undefined until an encrypted backup is unlocked. */
  readonly requiredFreeBytes: number | undefined;
  readonly deviceFreeBytes: number | undefined;
  readonly backupProductVersion: string | undefined;
  readonly deviceProductVersion: string | undefined;
  /** Restoring an older-iOS backup onto a newer phone is fine; the reverse is not. */
  readonly versionCompatible: boolean | undefined;
  readonly problems: readonly BackupError[];
}

export interface PreflightOptions {
  readonly udid?: string;
  readonly muxAddress?: string;
  readonly backupRoot?: string;
  /** A folder, catalog id or UDID; default `<root>/<UDID>`. */
  readonly backup?: string;
  readonly password?: string;
}

/** The checks that need both the phone and the backup, as problems (empty = fine). */
export function phoneProblems(backup: { readonly productVersion: string | undefined; readonly totalBytes: number | undefined }, facts: RestoreDeviceFacts): BackupError[] {
  const problems: BackupError[] = [];
  if (facts.findMyEnabled === true) problems.push(new BackupError('device-error', FIND_MY_SENTENCE));
  if (backup.productVersion !== undefined && facts.productVersion !== undefined && compareIosVersions(backup.productVersion, facts.productVersion) > 0) {
    problems.push(new BackupError('unsupported', `This backup was made with iOS ${backup.productVersion}, but the iPhone runs iOS ${facts.productVersion}. Update the iPhone to iOS ${backup.productVersion} or later, or choose an older backup. Nothing was changed on the iPhone.`));
  }
  // The backup's whole size against what the phone has free: the phone also gets back the room of
  // files it replaces, which the host cannot see, so this is the cautious figure (see the report).
  if (backup.totalBytes !== undefined && facts.freeBytes !== undefined && backup.totalBytes > facts.freeBytes) {
    const need = Math.ceil((backup.totalBytes - facts.freeBytes) / 1e6);
    problems.push(new BackupError('device-error', `The iPhone does not have room for this backup: it holds ${megabytes(backup.totalBytes)} and the iPhone has ${megabytes(facts.freeBytes)} free. Free about ${need} MB on the iPhone (or erase it), then try again. Nothing was changed on the iPhone.`));
  }
  return problems;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Runs every pre-flight check without writing anything, on the phone or beside the backup. */
export async function preflightRestore(options: PreflightOptions = {}): Promise<RestorePreflight> {
  const connection = await connectForRestore(options.udid, options.muxAddress);
  try {
    const { facts } = connection;
    const folder = options.backup === undefined ? path.join(resolveBackupRoot(options.backupRoot), facts.udid) : await resolveBackupFolder(options.backup, { backupRoot: options.backupRoot });
    const base = { udid: facts.udid, backupFolder: folder, findMyEnabled: facts.findMyEnabled, deviceFreeBytes: facts.freeBytes, deviceProductVersion: facts.productVersion };
    let metadata;
    try {
      metadata = readRestoreMetadata(folder);
    } catch (error) {
      if (!(error instanceof BackupError)) throw error;
      return { ...base, ok: false, encrypted: false, needsPassword: false, requiredFreeBytes: undefined, backupProductVersion: undefined, versionCompatible: undefined, problems: [error] };
    }
    const problems: BackupError[] = [];
    let totalBytes: number | undefined;
    let needsPassword = false;
    try {
      totalBytes = (await countRestoreFiles(metadata, options.password)).totalBytes;
    } catch (error) {
      if (!(error instanceof BackupError)) throw error;
      needsPassword = error.code === 'password-required' || error.code === 'wrong-password';
      problems.push(error);
    }
    problems.push(...phoneProblems({ productVersion: metadata.productVersion, totalBytes }, facts));
    const versionCompatible = metadata.productVersion === undefined || facts.productVersion === undefined ? undefined : compareIosVersions(metadata.productVersion, facts.productVersion) <= 0;
    return {
      ...base,
      ok: problems.length === 0,
      encrypted: metadata.encrypted,
      needsPassword,
      requiredFreeBytes: totalBytes,
      backupProductVersion: metadata.productVersion,
      versionCompatible,
      problems,
    };
  } finally {
    await connection.close();
  }
}
