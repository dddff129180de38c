import fs from 'node:fs/promises';
import path from 'node:path';
import { decodePlist, encodePlist, isPlistDict, plistString, PLIST_BUDGETS } from '../../device/codec';
import { NotificationName } from '../../device/services';
import { BackupError } from '../backup-error';
import { SIDECAR_FILE, type LifeboatSidecar } from '../catalog/catalog-model';
import { unlockBackup } from '../crypto';
import {
  ConfinedPaths,
  DEFAULT_RETENTION,
  type RetentionPolicy,
  type StoreFs,
  type WholeFileWriter,
  applyRetention,
  nodeStoreFs,
  openBackupRun,
  resolveBackupRoot,
  MAX_METADATA_FILE_BYTES,
  readRegularFile,
} from '../store';
import { type BackupProgress, ProgressTracker } from './backup-progress';
import { cameraRollUploadFilter, removeCameraRollRows, removeContentFiles } from './camera-roll';
import { checkDiskSpace } from './disk-space';
import { type BeforeMove, type DriveContext, newDriveStats } from './drive-context';
import { settleWrites } from './background-work';
import { asBackupError, runDriveLoop } from './drive-loop';
import { GatherBuffers } from './gathered-content';
import { ListingAhead } from './listing-ahead';
import { PlacedAhead } from './placed-ahead';
import { type BackupDeviceSession, type OpenSessionOptions, openBackupSession } from './device-session';
import { buildInfoPlist } from './info-plist';
import { errorForDeviceCode } from './device-errors';
import { resolveIdleTimeoutMs } from './idle-timeout';
import { lifeboatVersion } from './lifeboat-version';

export interface RunBackupOptions {
  /** The phone; default: the only (or first) connected one. */
  readonly udid?: string;
  /** Default: resolveBackupRoot() (option, LIFEBOAT_BACKUP_ROOT, platform default). */
  readonly backupRoot?: string;
  /** usbmuxd address (USBMUXD_SOCKET_ADDRESS syntax); default: the environment, then the platform's. */
  readonly muxAddress?: string;
  /** Ask the phone for a full backup even when an earlier one exists. */
  readonly full?: boolean;
  /** The per-device Camera Roll setting; default true (as iTunes). */
  readonly cameraRoll?: boolean;
  /** The backup password, needed only to leave the Camera Roll out of an encrypted backup. Never logged. */
  readonly password?: string;
  /** History to keep after a successful run; default DEFAULT_RETENTION (last 10, one a month for a year); `{}` keeps all. */
  readonly retention?: RetentionPolicy;
  /**
   * How long the phone may send nothing over mobilebackup2 (before the first file or in the
   * middle of one) before the backup stops; default IDLE_TIMEOUT_ENV, else 5 minutes.
   */
  readonly idleTimeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BackupProgress) => void;
  /** Tests inject failures (disk full, I/O errors) here; the default writes to the real disk. */
  readonly storeFs?: StoreFs;
}

export interface BackupResult {
  readonly udid: string;
  readonly backupRoot: string;
  /** `<root>/<UDID>`, where the new backup now is. */
  readonly folder: string;
  /**
   * Where the previous backup went (undefined for a first backup). After an incremental run it is
   * a reverse delta holding only what this run replaced or removed: read it whole through
   * `completeBackupFolder` (store/snapshot-chain.ts).
   */
  readonly previousSnapshot: string | undefined;
  /** Whether the phone made a full backup (Status.plist IsFullBackup). */
  readonly isFullBackup: boolean;
  readonly isEncrypted: boolean;
  readonly filesReceived: number;
  readonly bytesReceived: number;
  /** Camera Roll off: files and bytes the phone sent that were dropped instead of stored. */
  readonly cameraRollFilesSkipped: number;
  readonly cameraRollBytesSaved: number;
  /** Files the phone said it could not send (the backup still succeeded). */
  readonly filesFailedOnDevice: readonly string[];
  readonly prunedSnapshots: readonly string[];
  readonly durationMs: number;
}

/**
 * One backup over mobilebackup2, as iTunes does it (protocol.md §7.1), into a staging copy of the
 * current backup that replaces it only when the phone reported success and Status.plist says
 * `finished` (§7.1 step 12). Any failure, cancel or crash leaves `<root>/<UDID>` as it was.
 */
export function runBackup(options: RunBackupOptions = {}): Promise<BackupResult> {
  return runBackupWith(options, openBackupSession);
}

/** runBackup with the phone connection supplied by the caller: tests drive a scripted device through it. */
export async function runBackupWith(options: RunBackupOptions, openSession: (options: OpenSessionOptions) => Promise<BackupDeviceSession>): Promise<BackupResult> {
  const started = Date.now();
  const root = resolveBackupRoot(options.backupRoot);
  const cameraRoll = options.cameraRoll ?? true;
  const storeFs = options.storeFs ?? nodeStoreFs;
  throwIfCancelled(options.signal);
  await fs.mkdir(root, { recursive: true });

  const idleTimeoutMs = resolveIdleTimeoutMs(options.idleTimeoutMs);
  // The store's side of the run (the run lock, finishing an interrupted commit, a fresh staging
  // folder) needs only the UDID: when the caller names the phone it is opened while the phone's
  // session is, instead of after it (issue 16: open the device session and the store in parallel).
  const early = options.udid === undefined ? undefined : settled(openBackupRun(root, options.udid));
  let session: BackupDeviceSession;
  try {
    session = await openSession({ udid: options.udid, muxAddress: options.muxAddress, idleTimeoutMs });
  } catch (error) {
    // The phone's failure is the one to tell; the run opened for it is given back unused.
    await (await early)?.run?.discard().catch(() => undefined);
    throw error;
  }
  const udid = session.udid;
  const current = path.join(root, udid);
  let run: Awaited<ReturnType<typeof openBackupRun>> | undefined;
  let cancelled = false;
  const cancel = (): void => {
    cancelled = true;
    session.backup.deviceLink.close();
  };
  options.signal?.addEventListener('abort', cancel, { once: true });
  let progress: ProgressTracker | undefined;
  let fileWriter: WholeFileWriter | undefined;
  let passcodeAsked = false;
  const stopObserving = session.notifications.onNotification((name) => {
    if (name === NotificationName.SYNC_CANCEL_REQUEST) cancel();
    if (name === NotificationName.PASSCODE_PROMPT_PRESENTED) {
      passcodeAsked = true;
      progress?.setPhase('waiting-for-passcode');
      // The phone is silent because it waits for the person, not because it died: no idle time-out meanwhile.
      session.backup.deviceLink.holdIdleTimeout(true);
    }
    if (name === NotificationName.PASSCODE_PROMPT_DISMISSED) {
      progress?.setPhase('waiting-for-device');
      session.backup.deviceLink.holdIdleTimeout(false);
    }
  });
  try {
    // Before the checks below read `<root>/<UDID>`: opening the run finishes an interrupted commit there.
    // One that failed (another run holds the lock) is opened again at its usual step below and
    // says so there, after the checks, as before.
    const opened = (await early)?.run;
    if (opened?.udid === udid) run = opened;
    else await opened?.discard();
    throwIfCancelled(options.signal);
    if (!cameraRoll && session.facts.willEncrypt) await checkPasswordForFiltering(current, options.password, options.signal);
    // A later run stores only what changed (README "How snapshots work"), estimated from the
    // phone's used space rather than by walking every file of the previous backup (~2 s at 100k files).
    await checkDiskSpace(root, session.facts.usedBytes, (await exists(path.join(current, 'Status.plist'))) ? session.facts.usedBytes : undefined);

    progress = new ProgressTracker(options.onProgress);
    progress.setPhase('preparing');
    run ??= await openBackupRun(root, udid);
    throwIfCancelled(options.signal);
    await session.takeSyncLock();
    await storeFs.writeFile(path.join(run.staging, 'Info.plist'), encodePlist(buildInfoPlist(session.description), 'xml'));

    // The previous backup is behind staging: a link planted in it is refused like one in staging.
    const paths = new ConfinedPaths(udid, run.staging, new Map(), run.previous?.folder);
    const stats = newDriveStats();
    fileWriter = storeFs.openWholeFileWriter(paths.known);
    const cameraRollFileIds = new Set<string>();
    let manifestRewritten = false;
    const beforeMove: BeforeMove | undefined = cameraRoll
      ? undefined
      : async (sourcePath) => {
          if (!/\/Snapshot\/Manifest\.db$/.test(sourcePath)) return;
          const database = await paths.resolveChecked(sourcePath);
          const snapshotPlist = path.join(path.dirname(database), 'Manifest.plist');
          const stagedPlist = path.join(run?.staging ?? '', 'Manifest.plist');
          // Not yet moved this run: the previous backup's, which staging reads through to.
          const manifestPlistPath = (await exists(snapshotPlist)) ? snapshotPlist : (await exists(stagedPlist)) ? stagedPlist : path.join(current, 'Manifest.plist');
          const discardedFileIds = new Set([...stats.discardedPaths].map((file) => path.basename(file)));
          const removed = await removeCameraRollRows({ databasePath: database, manifestPlistPath, password: options.password, discardedFileIds, storeFs });
          for (const fileId of removed) cameraRollFileIds.add(fileId);
          manifestRewritten = true;
        };
    const context: DriveContext = {
      deviceLink: session.backup.deviceLink,
      paths,
      previous: run.previous,
      listingAhead: new ListingAhead(),
      storeFs,
      fileWriter,
      // Not with the Camera Roll left out: its uploads may be dropped and its moves rewrite the Manifest first.
      placedAhead: new PlacedAhead(paths.base, { enabled: cameraRoll }),
      gatherBuffers: new GatherBuffers(),
      progress: progress,
      uploadFilter: cameraRoll ? undefined : cameraRollUploadFilter,
      beforeMove,
      stats,
    };

    progress.setPhase('waiting-for-device');
    let outcome;
    try {
      await session.backup.backup({ targetId: udid, sourceId: udid, forceFull: options.full === true });
      outcome = await runDriveLoop(context);
    } catch (error) {
      if (cancelled) throw cancelledError();
      // A write that failed in the background explains the broken run better than what followed.
      await settleWrites(context);
      if (stats.writeFailure !== undefined) throw writeFailureError(stats.writeFailure);
      throw asBackupError(error);
    }
    if (cancelled) throw cancelledError();
    // The loop settled the writer before the device's final message; these are its totals.
    stats.filesWritten += fileWriter.filesWritten;
    stats.bytesWritten += fileWriter.bytesWritten;
    if (stats.writeFailure !== undefined) throw writeFailureError(stats.writeFailure);
    if (outcome.errorCode === undefined) {
      throw new BackupError('disconnected', `The iPhone ended the backup without a result${outcome.disconnectReason ? ` (${outcome.disconnectReason})` : ''}. The previous backup is unchanged.`);
    }
    if (outcome.errorCode !== 0) throw errorForDeviceCode(outcome.errorCode, outcome.errorDescription, { passcodeAsked });

    progress.setPhase('finishing');
    const status = await readStatus(run.staging);
    if (status.snapshotState !== 'finished') {
      throw new BackupError('device-error', `The iPhone reported success but its Status.plist says "${status.snapshotState ?? 'missing'}" instead of "finished"; the previous backup was kept.`);
    }
    if (!cameraRoll && !manifestRewritten && (await exists(path.join(run.staging, 'Manifest.db')))) {
      // A device that wrote Manifest.db in place instead of moving it from Snapshot/ (§9 leaves the order open).
      const discardedFileIds = new Set([...stats.discardedPaths].map((file) => path.basename(file)));
      const databasePath = path.join(run.staging, 'Manifest.db');
      const manifestPlistPath = path.join(run.staging, 'Manifest.plist');
      for (const fileId of await removeCameraRollRows({ databasePath, manifestPlistPath, password: options.password, discardedFileIds, storeFs })) cameraRollFileIds.add(fileId);
    }
    // Camera Roll off after a backup with it on: the older content files are unreferenced now.
    await removeContentFiles(run.staging, cameraRollFileIds);
    // The previous backup's copies go into the new snapshot at the commit, like any removed file.
    for (const fileId of cameraRollFileIds) run.previous?.hide(`${udid}/${fileId.slice(0, 2)}/${fileId}`);
    const encrypted = await isEncryptedFolder(run.staging);
    // The catalog reads this to say "made by Lifeboat" and "Camera Roll excluded, N MB saved".
    const sidecar: LifeboatSidecar = { cameraRollExcluded: !cameraRoll, cameraRollBytesSkipped: stats.discardedBytes, lifeboatVersion: lifeboatVersion() };
    await storeFs.writeFile(path.join(run.staging, SIDECAR_FILE), Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`));
    await session.releaseSyncLock();
    const previousSnapshot = await run.commit();
    const pruned = await applyRetention(root, udid, options.retention ?? DEFAULT_RETENTION);
    progress.finished();
    progress.setPhase('done');
    return {
      udid,
      backupRoot: root,
      folder: current,
      previousSnapshot,
      isFullBackup: status.isFullBackup,
      isEncrypted: encrypted,
      filesReceived: stats.filesWritten,
      bytesReceived: stats.bytesWritten,
      cameraRollFilesSkipped: stats.discardedFiles,
      cameraRollBytesSaved: stats.discardedBytes,
      filesFailedOnDevice: stats.remoteFailures,
      prunedSnapshots: pruned,
      durationMs: Date.now() - started,
    };
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    stopObserving();
    await session.releaseSyncLock().catch(() => undefined);
    await session.close();
    // No write may still be running when staging is deleted.
    await fileWriter?.close().catch(() => undefined);
    await run?.discard().catch(() => undefined);
  }
}

/** A promise that never rejects (its failure is its absence), so it can be started now and looked at later. */
function settled<T>(promise: Promise<T>): Promise<{ readonly run?: T }> {
  return promise.then(
    (run) => ({ run }),
    () => ({}),
  );
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

function cancelledError(): BackupError {
  return new BackupError('cancelled', 'The backup was cancelled. The previous backup is unchanged.');
}

function writeFailureError(error: unknown): BackupError {
  const errno = (error as NodeJS.ErrnoException).code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new BackupError('disk-full', 'The backup drive is full, so the backup was stopped. The previous backup is unchanged; free some space and try again.', { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BackupError('io', `Writing the backup failed on this computer (${detail}). The previous backup is unchanged.`, { cause: error });
}

/** A wrong or missing password must stop a Camera Roll-off backup before anything starts. */
async function checkPasswordForFiltering(current: string, password: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (password === undefined || password === '') {
    throw new BackupError('password-required', 'Backups of this iPhone are encrypted. Enter the backup password so Lifeboat can leave the Camera Roll out of the backup.');
  }
  let manifest: Buffer;
  try {
    manifest = await readRegularFile(path.join(current, 'Manifest.plist'), MAX_METADATA_FILE_BYTES);
  } catch {
    return; // No previous backup to check the password against; the phone's keybag is checked when its Manifest.db arrives.
  }
  if (!(await isEncryptedFolder(current))) return;
  await unlockBackup(manifest, password, signal);
}

interface StatusSummary {
  readonly snapshotState: string | undefined;
  readonly isFullBackup: boolean;
}

async function readStatus(folder: string): Promise<StatusSummary> {
  try {
    const value = decodePlist(await readRegularFile(path.join(folder, 'Status.plist'), MAX_METADATA_FILE_BYTES), PLIST_BUDGETS.metadataFile);
    if (!isPlistDict(value)) return { snapshotState: undefined, isFullBackup: false };
    return { snapshotState: plistString(value.SnapshotState), isFullBackup: value.IsFullBackup === true };
  } catch {
    return { snapshotState: undefined, isFullBackup: false };
  }
}

async function isEncryptedFolder(folder: string): Promise<boolean> {
  try {
    const value = decodePlist(await readRegularFile(path.join(folder, 'Manifest.plist'), MAX_METADATA_FILE_BYTES), PLIST_BUDGETS.metadataFile);
    return isPlistDict(value) && value.IsEncrypted === true;
  } catch {
    return false;
  }
}

async function exists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch {
    return false;
  }
}
