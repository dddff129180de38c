import fs from 'node:fs/promises';
import path from 'node:path';
import { decodePlist, isPlistDict, PLIST_BUDGETS } from '../../device/codec';
import { MAX_METADATA_FILE_BYTES, readRegularFile } from './backup-content';
import { canRollForward, rollDeltaBack, rollDeltaForward, type CommitStepHook, type DeltaPlan } from './delta-commit';
import { flushTreeToDisk, syncDirectory } from './durable-tree';
import { makePrivateFolder, PRIVATE_FILE_MODE } from './private-modes';
import { removeTree } from './remove-tree';
import type { StoreLayout } from './store-layout';

/**
 * The two renames that publish a finished run (current → snapshot, staging → current) cannot be
 * one atomic step, so the intent is written down first. A crash between them leaves
 * `<root>/<UDID>` missing for a moment; recovery (commit-recovery.ts, run before any listing,
 * restore or backup) finishes the job from the journal. The journal is written only once staging
 * holds a complete backup flushed to disk, so rolling forward is normally right; if staging is
 * gone or no longer looks complete (a disk that lost writes), the commit is rolled back instead.
 */
interface SwapJournal {
  readonly version: 1;
  readonly udid: string;
  readonly staging: string;
  /** Where the previous current backup goes; null when there was none. */
  readonly snapshot: string | null;
}

/**
 * An incremental run's commit under reverse deltas (delta-commit.ts): the plan of renames
 * between staging, `<root>/<UDID>` and the new snapshot folder, fixed before the first one.
 */
interface DeltaJournal {
  readonly version: 2;
  readonly udid: string;
  readonly staging: string;
  readonly snapshot: string;
  readonly plan: DeltaPlan;
}

export type CommitJournal = SwapJournal | DeltaJournal;

export async function writeJournal(layout: StoreLayout, journal: CommitJournal): Promise<void> {
  const file = layout.journal(journal.udid);
  await makePrivateFolder(path.dirname(file));
  const temp = `${file}.tmp`;
  const handle = await fs.open(temp, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(JSON.stringify(journal));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
  await syncDirectory(path.dirname(file));
}

export async function readJournal(layout: StoreLayout, udid: string): Promise<CommitJournal | undefined> {
  let text: string;
  try {
    text = await fs.readFile(layout.journal(udid), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<SwapJournal> | Partial<DeltaJournal>;
    if (value.udid !== udid || typeof value.staging !== 'string') return undefined;
    if (value.version === 2) {
      const plan = (value as Partial<DeltaJournal>).plan;
      if (typeof value.snapshot !== 'string' || !Array.isArray(plan?.adds) || !Array.isArray(plan?.removes)) return undefined;
      return { version: 2, udid, staging: value.staging, snapshot: value.snapshot, plan: { adds: plan.adds, removes: plan.removes, newFolders: Array.isArray(plan.newFolders) ? plan.newFolders : [] } };
    }
    if (value.version !== 1) return undefined;
    return { version: 1, udid, staging: value.staging, snapshot: typeof value.snapshot === 'string' ? value.snapshot : null };
  } catch {
    return undefined;
  }
}

async function removeJournal(layout: StoreLayout, udid: string): Promise<void> {
  await fs.rm(layout.journal(udid), { force: true });
  await fs.rm(`${layout.journal(udid)}.tmp`, { force: true });
}

/**
 * Performs (or finishes) the renames a journal describes; every step is skipped once done. Rolls
 * forward when staging holds a complete backup; otherwise puts the previous backup back (if the
 * first rename had already moved it away) and drops the incomplete staging.
 */
export async function applyJournal(layout: StoreLayout, journal: CommitJournal, onStep?: CommitStepHook): Promise<'forward' | 'back'> {
  if (journal.version === 2) return applyDeltaJournal(layout, journal, onStep);
  const current = layout.current(journal.udid);
  if (await isCompleteBackup(journal.staging)) {
    if (await exists(current)) {
      const snapshot = journal.snapshot ?? path.join(layout.snapshots(journal.udid), `recovered-${Date.now()}`);
      // A journal without a snapshot, yet a backup is there: keep it, never delete it.
      await makePrivateFolder(path.dirname(snapshot));
      await fs.rename(current, snapshot);
      await syncDirectory(path.dirname(snapshot));
    }
    await fs.rename(journal.staging, current);
    await syncDirectory(path.dirname(journal.staging));
    await syncDirectory(path.dirname(current));
    await removeJournal(layout, journal.udid);
    return 'forward';
  }
  if (!(await exists(current)) && journal.snapshot !== null && (await exists(journal.snapshot))) {
    await fs.rename(journal.snapshot, current);
    await syncDirectory(path.dirname(current));
  }
  await removeTree(journal.staging);
  await removeJournal(layout, journal.udid);
  return 'back';
}

/**
 * Finishes a reverse-delta commit: forward while every new file is still there (the journal was
 * written only after staging was complete and on disk), else back, so `<root>/<UDID>` ends as
 * either the whole new or the whole previous backup. The renames reach the disk before the
 * journal goes.
 */
async function applyDeltaJournal(layout: StoreLayout, journal: DeltaJournal, onStep?: CommitStepHook): Promise<'forward' | 'back'> {
  const live = layout.current(journal.udid);
  const forward = await canRollForward(live, journal.staging, journal.snapshot, journal.plan);
  if (forward) await rollDeltaForward(live, journal.staging, journal.snapshot, journal.plan, onStep);
  else await rollDeltaBack(live, journal.staging, journal.snapshot, journal.plan);
  await syncTouchedFolders(live, journal);
  await removeJournal(layout, journal.udid);
  await removeTree(journal.staging);
  return forward ? 'forward' : 'back';
}

/** Above this many folders one syncfs (durable-tree.ts) is cheaper than an fsync per folder. */
const MAX_FOLDER_SYNCS = 64;

/**
 * Makes the commit's renames durable before the journal goes: an fsync of each folder that gained
 * or lost an entry (a no-change run touches about four), or the whole tree's flush when many did.
 * A syncfs flushes every writer's dirty data on the disk, which on a busy disk took seconds.
 */
async function syncTouchedFolders(live: string, journal: DeltaJournal): Promise<void> {
  const folders = new Set<string>([live, journal.snapshot, path.dirname(journal.snapshot)]);
  for (const relative of [...journal.plan.removes, ...journal.plan.adds.map((add) => add.path)]) {
    folders.add(path.dirname(path.join(live, relative)));
    folders.add(path.dirname(path.join(journal.snapshot, relative)));
  }
  if (folders.size > MAX_FOLDER_SYNCS) {
    await flushTreeToDisk(journal.snapshot);
    if (process.platform === 'linux') return;
  }
  for (const folder of folders) await syncDirectory(folder);
}

/**
 * Whether a folder can be published as a device's backup: its Status.plist reads `finished`, the
 * phone's own word that the snapshot is whole (protocol.md §5.5), the same test the engine makes
 * before it writes a journal.
 */
async function isCompleteBackup(folder: string): Promise<boolean> {
  try {
    const status = decodePlist(await readRegularFile(path.join(folder, 'Status.plist'), MAX_METADATA_FILE_BYTES), PLIST_BUDGETS.metadataFile);
    return isPlistDict(status) && status.SnapshotState === 'finished';
  } catch {
    return false;
  }
}

async function exists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
