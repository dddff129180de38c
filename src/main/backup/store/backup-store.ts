import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { decodePlist, isPlistDict, PLIST_BUDGETS } from '../../device/codec';
import { applyJournal, readJournal, writeJournal, type CommitJournal } from './commit-journal';
import { planDeltaCommit, type CommitStepHook } from './delta-commit';
import { flushTreeToDisk } from './durable-tree';
import { PreviousBackup } from './previous-backup';
import { makePrivateFolder, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, tightenBackupOnce } from './private-modes';
import { removeTree } from './remove-tree';
import { readBackupDate, snapshotFolderName } from './snapshots';
import { isSafeUdid, LIFEBOAT_DIR, storeLayout, type StoreLayout } from './store-layout';

/**
 * One backup run's place in the store (see docs in `openBackupRun`). `staging` is the folder the
 * device's `<UDID>/…` paths are mapped into.
 */
interface BackupRun {
  readonly layout: StoreLayout;
  readonly udid: string;
  readonly runId: string;
  readonly staging: string;
  /** Whether `<root>/<UDID>` held a backup when the run started. */
  readonly hadPrevious: boolean;
  /**
   * The previous backup as this run sees it through staging (reads fall through to it, removals
   * are recorded): undefined for a first backup.
   */
  readonly previous: PreviousBackup | undefined;
  /** Publishes staging as `<root>/<UDID>`, the previous backup becoming a snapshot; returns the snapshot path. */
  commit(): Promise<string | undefined>;
  /** Deletes staging and releases the run lock; the current backup was never touched. */
  discard(): Promise<void>;
}

export interface BackupRunOptions {
  /** Makes the staged tree durable before the journal is written; tests watch it here. */
  readonly flushTree?: (dir: string) => Promise<void>;
  /** Called before each rename of a reverse-delta commit; crash tests throw from it. */
  readonly onCommitStep?: CommitStepHook;
}

/**
 * Starts a run for one device:
 * 1. takes the per-device run lock (a second run for the same phone is refused, a stale lock of a
 *    dead process is taken over);
 * 2. finishes an interrupted commit from its journal and deletes stagings of dead runs;
 * 3. makes an empty `<root>/.lifeboat/staging/<UDID>-<runId>`: the phone's writes go there, and
 *    its reads of anything staging does not hold fall through to `<root>/<UDID>` (PreviousBackup),
 *    so it sees its previous backup and sends only changes, while that backup is never written
 *    during the run and no unchanged file is touched (README "How snapshots work").
 * `commit` flushes staging to disk (durable-tree.ts) before its journal can publish it: a first
 * or full backup by two renames (the previous backup becomes a complete snapshot), an
 * incremental one as a reverse delta (delta-commit.ts).
 */
export async function openBackupRun(root: string, udid: string, options: BackupRunOptions = {}): Promise<BackupRun> {
  if (!isSafeUdid(udid)) throw new BackupError('protocol', `"${udid}" is not a device identifier Lifeboat can use as a folder name.`);
  const layout = storeLayout(root);
  await fs.mkdir(root, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  // Snapshots, staging and journals all live below it: a private `.lifeboat` also closes older
  // snapshots made before backups were private to other users.
  await makePrivateFolder(path.join(root, LIFEBOAT_DIR));
  const releaseLock = await acquireRunLock(layout, udid);
  try {
    await recoverDevice(layout, udid);
    const runId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const staging = layout.staging(udid, runId);
    await makePrivateFolder(path.dirname(staging));
    const current = layout.current(udid);
    const hadPrevious = await isDirectory(current);
    await fs.mkdir(staging, { mode: PRIVATE_FOLDER_MODE });
    if (hadPrevious) await tightenBackupOnce(current);
    const previous = hadPrevious ? new PreviousBackup(udid, current) : undefined;
    let finished = false;
    return {
      layout,
      udid,
      runId,
      staging,
      hadPrevious,
      previous,
      async commit() {
        if (finished) throw new BackupError('io', 'This backup run was already finished.');
        finished = true;
        try {
          await previous?.close();
          let snapshot: string | null = null;
          if (await isDirectory(current)) {
            const date = await readBackupDate(current);
            snapshot = await uniquePath(path.join(layout.snapshots(udid), snapshotFolderName(date)));
          }
          // Every byte on disk before the journal may publish it (durable-tree.ts).
          await (options.flushTree ?? flushTreeToDisk)(staging);
          // A full backup holds every file itself: publish it whole, the previous one becoming a complete snapshot.
          const journal: CommitJournal =
            snapshot !== null && previous !== undefined && !(await isFullBackup(staging))
              ? { version: 2, udid, staging, snapshot, plan: await planDeltaCommit(current, staging, previous.removedPaths()) }
              : { version: 1, udid, staging, snapshot };
          await writeJournal(layout, journal);
          if ((await applyJournal(layout, journal, options.onCommitStep)) === 'back') {
            throw new BackupError('corrupt', 'The new backup did not read back as finished from the disk, so it was not kept. The previous backup is unchanged.');
          }
          return snapshot ?? undefined;
        } finally {
          await releaseLock();
        }
      },
      async discard() {
        if (finished) return;
        finished = true;
        try {
          await previous?.close();
          await removeTree(staging);
        } finally {
          await releaseLock();
        }
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

/**
 * Brings one device's part of the store to a clean state after a crash: completes a journaled
 * commit, deletes abandoned stagings. Safe to call any time no run of this device is active.
 */
async function recoverDevice(layout: StoreLayout, udid: string): Promise<void> {
  const journal = await readJournal(layout, udid);
  if (journal) await applyJournal(layout, journal);
  let names: string[] = [];
  try {
    names = await fs.readdir(layout.stagingParent());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const name of names) {
    if (name.startsWith(`${udid}-`)) await removeTree(path.join(layout.stagingParent(), name));
  }
}

/** Recovers a device's store, taking the run lock so a live run is never disturbed. */
export async function recoverStore(root: string, udid: string): Promise<void> {
  const layout = storeLayout(root);
  try {
    await fs.access(path.join(root, '.lifeboat'));
  } catch {
    return;
  }
  const release = await acquireRunLock(layout, udid);
  try {
    await recoverDevice(layout, udid);
  } finally {
    await release();
  }
}

/**
 * Finishes every interrupted commit under `root` (commit-journal.ts: forward when the staged
 * backup is complete, back otherwise). Called before anything lists or restores backups (the
 * catalog's refresh, restore) so a crash between the two renames never leaves a device looking
 * as if its newest backup were missing. A device whose run is live (its lock held) is skipped:
 * that run finishes its own commit. Returns the devices recovered.
 */
export async function recoverInterruptedCommits(root: string): Promise<string[]> {
  const layout = storeLayout(root);
  let names: string[];
  try {
    names = await fs.readdir(path.dirname(layout.journal('x')));
  } catch {
    return [];
  }
  const recovered: string[] = [];
  for (const name of names) {
    const udid = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
    if (!isSafeUdid(udid)) continue;
    try {
      await recoverStore(root, udid);
      recovered.push(udid);
    } catch (error) {
      if (!(error instanceof BackupError && error.code === 'busy')) throw error;
    }
  }
  return recovered;
}

async function acquireRunLock(layout: StoreLayout, udid: string): Promise<() => Promise<void>> {
  const file = layout.runLock(udid);
  await makePrivateFolder(path.dirname(file));
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx', mode: PRIVATE_FILE_MODE });
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new BackupError('busy', 'Another Lifeboat backup of this iPhone is already running. Wait for it to finish, then try again.');
    }
    if (owner === process.pid) {
      throw new BackupError('busy', 'A backup of this iPhone is already running in this window. Wait for it to finish, then try again.');
    }
    // The owner died (crash, kill -9): its lock is stale.
    await fs.rm(file, { force: true });
  }
  throw new BackupError('busy', 'Could not take the backup lock for this iPhone; try again.');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Status.plist IsFullBackup (protocol.md §5.5): the phone sent every file in this run. */
async function isFullBackup(folder: string): Promise<boolean> {
  try {
    const status = decodePlist(await fs.readFile(path.join(folder, 'Status.plist')), PLIST_BUDGETS.metadataFile);
    return isPlistDict(status) && status.IsFullBackup === true;
  } catch {
    return false;
  }
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await fs.lstat(target)).isDirectory();
  } catch {
    return false;
  }
}

async function uniquePath(candidate: string): Promise<string> {
  for (let suffix = 1; ; suffix += 1) {
    const next = suffix === 1 ? candidate : `${candidate}-${suffix}`;
    try {
      await fs.lstat(next);
    } catch {
      return next;
    }
  }
}
