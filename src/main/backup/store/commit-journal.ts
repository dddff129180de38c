import fs from 'node:fs/promises';
import path from 'node:path';
import type { StoreLayout } from './store-layout';

/**
 * The two renames that publish a finished run (current → snapshot, staging → current) cannot be
 * one atomic step, so the intent is written down first. A crash between them leaves
 * `<root>/<UDID>` missing for a moment; `recoverCommit` on the next start finishes the job from
 * the journal. The journal is written only once staging holds a complete, verified backup, so
 * rolling forward is always right.
 */
export interface CommitJournal {
  readonly version: 1;
  readonly udid: string;
  readonly staging: string;
  /** Where the previous current backup goes; null when there was none. */
  readonly snapshot: string | null;
}

export async function writeJournal(layout: StoreLayout, journal: CommitJournal): Promise<void> {
  const file = layout.journal(journal.udid);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  const handle = await fs.open(temp, 'w', 0o644);
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
    const value = JSON.parse(text) as Partial<CommitJournal>;
    if (value.version !== 1 || value.udid !== udid || typeof value.staging !== 'string') return undefined;
    return { version: 1, udid, staging: value.staging, snapshot: typeof value.snapshot === 'string' ? value.snapshot : null };
  } catch {
    return undefined;
  }
}

export async function removeJournal(layout: StoreLayout, udid: string): Promise<void> {
  await fs.rm(layout.journal(udid), { force: true });
  await fs.rm(`${layout.journal(udid)}.tmp`, { force: true });
}

/** Performs (or finishes) the renames a journal describes; every step is skipped once done. */
export async function applyJournal(layout: StoreLayout, journal: CommitJournal): Promise<void> {
  const current = layout.current(journal.udid);
  const stagingExists = await exists(journal.staging);
  if (stagingExists) {
    if (await exists(current)) {
      if (journal.snapshot !== null) {
        await fs.mkdir(path.dirname(journal.snapshot), { recursive: true });
        await fs.rename(current, journal.snapshot);
      } else {
        // The journal said there was no previous backup, yet one is there: keep it, never delete it.
        await fs.mkdir(layout.snapshots(journal.udid), { recursive: true });
        await fs.rename(current, path.join(layout.snapshots(journal.udid), `recovered-${Date.now()}`));
      }
    }
    await fs.rename(journal.staging, current);
    await syncDirectory(path.dirname(current));
  }
  await removeJournal(layout, journal.udid);
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

/** fsync of a folder makes its renames durable; not supported on Windows, where it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort: durability across power loss, not correctness across a crash.
  } finally {
    await handle?.close();
  }
}
