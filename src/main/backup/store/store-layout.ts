import path from 'node:path';

/**
 * Where Lifeboat keeps its own bookkeeping inside a backup root. Everything lives under
 * `<root>/.lifeboat`, a dot-folder Finder and idevicebackup2 ignore (they look for `<UDID>`).
 * Staging and snapshots share the root's file system so renames and hard links work.
 */
export const LIFEBOAT_DIR = '.lifeboat';

export interface StoreLayout {
  readonly root: string;
  /** `<root>/<UDID>`: the current backup, the folder Finder and idevicebackup2 read. */
  current(udid: string): string;
  /** Where a run builds the new backup. */
  staging(udid: string, runId: string): string;
  stagingParent(): string;
  /** Older complete backups of one device. */
  snapshots(udid: string): string;
  /** The commit journal of one device (see commit-journal.ts). */
  journal(udid: string): string;
  /** The per-device run lock. */
  runLock(udid: string): string;
}

export function storeLayout(root: string): StoreLayout {
  const internal = path.join(root, LIFEBOAT_DIR);
  return {
    root,
    current: (udid) => path.join(root, udid),
    staging: (udid, runId) => path.join(internal, 'staging', `${udid}-${runId}`),
    stagingParent: () => path.join(internal, 'staging'),
    snapshots: (udid) => path.join(internal, 'snapshots', udid),
    journal: (udid) => path.join(internal, 'journal', `${udid}.json`),
    runLock: (udid) => path.join(internal, 'locks', `${udid}.lock`),
  };
}

/** UDIDs are 40 hex (older) or `00008030-001A…` (newer); anything else must not become a folder name. */
export function isSafeUdid(udid: string): boolean {
  return /^[0-9A-Za-z-]{8,64}$/.test(udid);
}
