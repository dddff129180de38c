import path from 'node:path';
import { encodePlist } from '../device/codec';
import { NotificationName, writeFileFrom } from '../device/services';
import { BackupError } from '../backup/backup-error';
import { resolveBackupFolder } from '../browser/resolve-backup';
import { ConfinedPaths, recoverInterruptedCommits, resolveBackupRoot } from '../backup/store';
import { resolveIdleTimeoutMs } from '../backup/engine/idle-timeout';
import { RebootWatch } from './follow-reboot';
import { asRestoreError, restoreCancelledError, restoreErrorForDeviceCode } from './restore-errors';
import { phoneProblems } from './restore-preflight';
import { RestoreProgressTracker, type RestoreProgress } from './restore-progress';
import { connectForRestore, type RestoreServices } from './restore-session';
import { inspectRestoreSource, type RestoreSource } from './restore-source';
import { runRestoreDrive } from './restore-drive';

export interface RunRestoreOptions {
  /** The phone; default: the only (or first) connected one. */
  readonly udid?: string;
  readonly muxAddress?: string;
  /** Default: resolveBackupRoot(). */
  readonly backupRoot?: string;
  /** A backup folder, a catalog id or a UDID; default: this phone's current backup `<root>/<UDID>`. */
  readonly backup?: string;
  /** For an encrypted backup; checked on this computer before anything starts. Never logged. */
  readonly password?: string;
  /** Also restore system domains (iTunes' full restore); default false, as idevicebackup2. */
  readonly systemFiles?: boolean;
  /** Restore the backup's settings too (RestorePreserveSettings false); default false. */
  readonly settings?: boolean;
  /** Let the phone reboot at the end and wait for it to come back; default true. */
  readonly reboot?: boolean;
  /** Remove items the backup does not have (RemoveItemsNotRestored); default true, as iTunes. */
  readonly removeItemsNotRestored?: boolean;
  /** Do not ask the phone to reinstall the backup's apps (no RestoreApplications.plist). */
  readonly skipApps?: boolean;
  /** How long the rebooting phone may stay away; default 5 minutes. */
  readonly rebootTimeoutMs?: number;
  /** How long the phone may send nothing over mobilebackup2 before the restore stops; default IDLE_TIMEOUT_ENV, else 5 minutes. */
  readonly idleTimeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoreResult {
  readonly udid: string;
  readonly backupFolder: string;
  readonly encrypted: boolean;
  readonly filesSent: number;
  readonly bytesSent: number;
  /** True when the phone left for its reboot and came back. */
  readonly rebooted: boolean;
  readonly durationMs: number;
}

/** Where the phone's app list goes for it to reinstall apps after the restore (§7.3 step 3). */
const RESTORE_APPS_DIR = '/iTunesRestore';
const RESTORE_APPS_PLIST = `${RESTORE_APPS_DIR}/RestoreApplications.plist`;
/** How long a phone that said "done" may take to drop off for its reboot. */
const DETACH_WAIT_MS = 30_000;
const DEFAULT_REBOOT_TIMEOUT_MS = 5 * 60_000;
/** A content file the phone asks for: `<SRC>/xx/<40 hex>` (§5.1); metadata reads are not counted. */
const CONTENT_PATH = /\/[0-9a-f]{2}\/[0-9a-f]{40}$/;

/**
 * Restores a phone from a backup as iTunes does (protocol.md §7.3), with every check a person can
 * act on made BEFORE the phone is touched: the backup is complete and finished, the password opens
 * it, the phone runs an iOS at least as new, has room, and Find My is off (when the phone tells;
 * otherwise its MB 211 reply is turned into the same sentence). The backup is only read: the
 * restore asks the phone not to copy it (RestoreDontCopyBackup) and refuses every write request.
 */
export async function runRestore(options: RunRestoreOptions = {}): Promise<RestoreResult> {
  const started = Date.now();
  const progress = new RestoreProgressTracker(options.onProgress);
  throwIfCancelled(options.signal);
  progress.setPhase('checking');
  const idleTimeoutMs = resolveIdleTimeoutMs(options.idleTimeoutMs);
  // The backup is read (a big Manifest.db takes seconds) while the phone's connection opens, when
  // the backup is known without asking the phone which one it is; the phone's errors still come first.
  const stopEarlyInspection = new AbortController();
  const early = earlyBackupChoice(options);
  const earlySource = early === undefined ? undefined : inspectBackup(early, options, stopEarlyInspection.signal);
  earlySource?.catch(() => undefined);
  let connection;
  try {
    connection = await connectForRestore(options.udid, options.muxAddress, idleTimeoutMs);
  } catch (error) {
    stopEarlyInspection.abort();
    throw error;
  }
  let watch: RebootWatch | undefined;
  try {
    const { facts } = connection;
    // A UDID typed in another case or without its dash still finds the phone (usbmux's sameUdid),
    // but the backup folder is named by the phone's own spelling: read that one instead.
    const earlyFolderRight = early !== undefined && ('backup' in early || early.udid === facts.udid);
    if (!earlyFolderRight) stopEarlyInspection.abort();
    const source = await (earlyFolderRight && earlySource ? earlySource : inspectBackup({ udid: facts.udid }, options, undefined));
    const [problem] = phoneProblems(source, facts);
    if (problem) throw problem;
    throwIfCancelled(options.signal);

    const reboot = options.reboot ?? true;
    if (reboot) watch = await RebootWatch.start(facts.udid, options.muxAddress);
    progress.setPhase('preparing');
    const services = await connection.startServices();
    const outcome = await restoreWith(services, source, facts.udid, options, progress);
    await connection.close();

    let rebooted = false;
    if (watch) {
      progress.setPhase('rebooting');
      if (await watch.waitForDetach(DETACH_WAIT_MS, options.signal)) {
        if (!(await watch.waitForReturn(options.rebootTimeoutMs ?? DEFAULT_REBOOT_TIMEOUT_MS, options.signal))) {
          throwIfCancelled(options.signal);
          throw new BackupError('disconnected', 'The restore finished and the iPhone restarted, but it has not come back. Check that it is on and connected; it may still be finishing its restart.');
        }
        rebooted = true;
      }
    }
    progress.setPhase('done');
    return { udid: facts.udid, backupFolder: source.folder, encrypted: source.encrypted, ...outcome, rebooted, durationMs: Date.now() - started };
  } finally {
    watch?.close();
    await connection.close();
  }
}

/**
 * The folder a restore reads: `backup` (a folder, a catalog id or a UDID, a delta snapshot made
 * whole) or, without one, the phone's current backup `<root>/<UDID>`, after finishing a commit an
 * interrupted run left half done (the catalog does that when it resolves a reference).
 */
export async function restoreFolderFor(what: { readonly backup: string } | { readonly udid: string }, backupRoot: string | undefined): Promise<string> {
  if ('backup' in what) return resolveBackupFolder(what.backup, { backupRoot });
  const root = resolveBackupRoot(backupRoot);
  await recoverInterruptedCommits(root).catch(() => []);
  return path.join(root, what.udid);
}

/** The backup to restore when it can be chosen before the phone answers: named, or the given phone's current one. */
function earlyBackupChoice(options: RunRestoreOptions): { readonly backup: string } | { readonly udid: string } | undefined {
  if (options.backup !== undefined) return { backup: options.backup };
  return options.udid === undefined ? undefined : { udid: options.udid };
}

async function inspectBackup(what: { readonly backup: string } | { readonly udid: string }, options: RunRestoreOptions, stop: AbortSignal | undefined): Promise<RestoreSource> {
  const folder = await restoreFolderFor(what, options.backupRoot);
  const signal = stop && options.signal ? AbortSignal.any([stop, options.signal]) : (stop ?? options.signal);
  return inspectRestoreSource(folder, options.password, signal);
}

async function restoreWith(services: RestoreServices, source: RestoreSource, udid: string, options: RunRestoreOptions, progress: RestoreProgressTracker): Promise<{ filesSent: number; bytesSent: number }> {
  const { backup, afc } = services;
  let cancelled = false;
  const cancel = (): void => {
    cancelled = true;
    backup.deviceLink.close();
  };
  options.signal?.addEventListener('abort', cancel, { once: true });
  const stopObserving = services.onNotification((name) => {
    if (name === NotificationName.SYNC_CANCEL_REQUEST) cancel();
  });
  let appsPlistWritten = false;
  let succeeded = false;
  let filesSent = 0;
  let bytesSent = 0;
  try {
    await services.takeSyncLock();
    if (!options.skipApps && source.applications && Object.keys(source.applications).length > 0) {
      await afc.makeDirectory(RESTORE_APPS_DIR).catch(() => undefined);
      await writeFileFrom(afc, RESTORE_APPS_PLIST, encodePlist(source.applications, 'xml'));
      appsPlistWritten = true;
    }
    progress.setPhase('restoring');
    let outcome;
    try {
      await backup.restore({
        targetId: udid,
        sourceId: source.udid,
        restoreSystemFiles: options.systemFiles ?? false,
        rebootWhenDone: options.reboot ?? true,
        dontCopyBackup: true,
        preserveSettings: !(options.settings ?? false),
        removeItemsNotRestored: options.removeItemsNotRestored ?? true,
        ...(source.encrypted ? { password: options.password } : {}),
      });
      outcome = await runRestoreDrive({
        deviceLink: backup.deviceLink,
        paths: new ConfinedPaths(source.udid, source.folder),
        maxBytesOf: (devicePath) => (CONTENT_PATH.test(devicePath) ? source.storedSizes.get(devicePath.slice(-40)) : undefined),
        onFileSent: (devicePath) => {
          if (CONTENT_PATH.test(devicePath)) filesSent += 1;
        },
        onFileStreamed: (devicePath) => {
          if (CONTENT_PATH.test(devicePath)) progress.fileDone(devicePath);
        },
        onBytes: (bytes) => {
          bytesSent += bytes;
          progress.bytes(bytes);
        },
        onStep: (percentAfter, bytes) => progress.stepAnnounced(percentAfter, bytes),
        onStepDone: () => {
          // The exact count once each request is served (a file that failed half-way was counted as it went).
          progress.filesConfirmed(filesSent);
          progress.stepFinished();
        },
      });
    } catch (error) {
      if (cancelled) throw restoreCancelledError();
      throw asRestoreError(error);
    }
    if (cancelled) throw restoreCancelledError();
    if (outcome.errorCode === undefined) {
      throw new BackupError('disconnected', `The iPhone ended the restore without a result${outcome.disconnectReason ? ` (${outcome.disconnectReason})` : ''}. The backup itself was not changed.`);
    }
    if (outcome.errorCode !== 0) throw restoreErrorForDeviceCode(outcome.errorCode, outcome.errorDescription);
    succeeded = true;
    // The phone restarts on its own moments after its result (§7.3 step 5), maybe before the sync
    // lock below is released on a busy computer: say so now, so its leaving is never taken for an unplug.
    if (options.reboot ?? true) progress.setPhase('rebooting');
    return { filesSent, bytesSent };
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    stopObserving();
    // A failed restore must not leave an app list that makes the phone reinstall apps (§7.3 step 3).
    if (appsPlistWritten && !succeeded) await afc.removePath(RESTORE_APPS_PLIST).catch(() => undefined);
    await services.releaseSyncLock().catch(() => undefined);
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw restoreCancelledError();
}
