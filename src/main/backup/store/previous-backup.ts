import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfinedPaths } from './confined-paths';
import { ListingPrefetch } from './previous-listing-prefetch';
import { folderKeyOf, LISTED_KIND, type ListingReply } from './previous-listing-protocol';
import { PRIVATE_FOLDER_MODE } from './private-modes';
import { TEMP_PREFIX } from './store-fs';

/** One entry of a folder listing, as DLContentsOfDirectory reports it (protocol.md §3.6.6). */
export interface ListedEntry {
  readonly isDirectory: boolean;
  readonly isFile: boolean;
  readonly size: number;
  readonly mtime: Date;
}

/**
 * The previous backup `<root>/<UDID>` as a run sees it through its staging folder (reverse-delta
 * snapshots, README "How snapshots work"). A run no longer clones the previous backup: staging
 * starts empty and receives only what the phone writes, and every read the phone makes of a
 * path staging does not hold (Status.plist, Manifest.db, the listing of `U/xx` in §7.2 steps 1–3,
 * the verify of step 19) falls through to the previous backup, unless the phone removed that path
 * in this run (§3.6.8). The previous backup itself is never written during a run: removals are
 * only recorded here, and the commit (delta-commit.ts) moves what they name into the snapshot.
 */
export class PreviousBackup {
  /** Backup-relative paths (`xx/<id>`, `/`-separated) the phone removed or moved away in this run. */
  private readonly removed = new Set<string>();
  private readonly paths: ConfinedPaths;
  /** Content folders read ahead (previous-listing-prefetch.ts), once the phone is known to list them. */
  private prefetch: ListingPrefetch | undefined;
  private closed = false;

  constructor(
    readonly udid: string,
    /** `<root>/<UDID>`, the live previous backup. */
    readonly folder: string,
  ) {
    this.paths = new ConfinedPaths(udid, folder);
  }

  /** The relative form of a device path (`<UDID>/a/b` → `a/b`, `<UDID>` → ''); undefined outside the backup folder. */
  relative(devicePath: string): string | undefined {
    if (devicePath === this.udid) return '';
    return devicePath.startsWith(`${this.udid}/`) ? devicePath.slice(this.udid.length + 1).replace(/\/+$/, '') : undefined;
  }

  /** Records that the phone removed (or moved away) a path: the previous backup's copy no longer shows. */
  hide(devicePath: string): void {
    const relative = this.relative(devicePath);
    if (relative !== undefined) this.removed.add(relative);
  }

  /** Whether the path or a folder above it was removed in this run. */
  isHidden(relative: string): boolean {
    for (let current = relative; ; ) {
      if (this.removed.has(current)) return true;
      if (current === '') return false;
      const slash = current.lastIndexOf('/');
      current = slash < 0 ? '' : current.slice(0, slash);
    }
  }

  /** What the phone removed, for the commit; a removed folder stands for everything below it. */
  removedPaths(): readonly string[] {
    return [...this.removed];
  }

  /**
   * The previous backup's file for a device path that staging does not hold, or undefined (not
   * there, removed in this run, or outside the backup folder). Symbolic links on the way are
   * refused exactly as for staging (ConfinedPaths.checkNoLinks).
   */
  async resolveForRead(devicePath: string): Promise<string | undefined> {
    const relative = this.relative(devicePath);
    if (relative === undefined || this.isHidden(relative)) return undefined;
    const target = await this.paths.resolveChecked(devicePath);
    try {
      await fs.lstat(target);
      return target;
    } catch {
      return undefined;
    }
  }

  /**
   * The phone has downloaded the previous Manifest.db and will list every content folder next
   * (protocol.md §7.2 steps 2–3): start reading them ahead while it digests the database. Only
   * list() sees the result, exactly as a live listing would be. Does nothing a second time. The
   * promise (never rejected) says when the first stretch has been read: tests wait on it, the
   * engine need not.
   */
  prefetchListings(): Promise<void> {
    if (this.prefetch === undefined && !this.closed) this.prefetch = new ListingPrefetch(this.folder, TEMP_PREFIX);
    return this.prefetch?.caughtUp ?? Promise.resolve();
  }

  /** Stops reading ahead (the run is over); list() still works, live. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await this.prefetch?.close();
  }

  /** The previous backup's entries of a folder, minus what this run removed; undefined when it has no such folder. */
  async list(devicePath: string): Promise<Map<string, ListedEntry> | undefined> {
    const relative = this.relative(devicePath);
    if (relative === undefined || this.isHidden(relative)) return undefined;
    // The same refusal of links on the way as every read (resolveForRead), whether read ahead or not.
    const folder = await this.paths.resolveChecked(devicePath);
    let folderStat;
    try {
      folderStat = await fs.lstat(folder);
    } catch {
      return undefined;
    }
    const prefetched = await this.prefetch?.take(relative);
    // Read ahead before anything changed in it (its lstat gives the same key): what the live listing would say.
    if (prefetched?.folderKey !== undefined && prefetched.folderKey === folderKeyOf(folderStat)) return this.entriesOf(relative, prefetched);
    return this.listLive(folder, relative);
  }

  /** A listing read ahead, as ListedEntry values, minus what this run removed by now. */
  private entriesOf(relative: string, listing: ListingReply): Map<string, ListedEntry> {
    const result = new Map<string, ListedEntry>();
    const { kinds, sizesAndTimes } = listing;
    if (listing.names === undefined || listing.names === '' || kinds === undefined || sizesAndTimes === undefined) return result;
    for (const [index, name] of listing.names.split('\0').entries()) {
      if (this.isHidden(relative === '' ? name : `${relative}/${name}`)) continue;
      const kind = kinds[index];
      result.set(name, {
        isDirectory: kind === LISTED_KIND.directory,
        isFile: kind === LISTED_KIND.file,
        size: sizesAndTimes[index * 2] as number,
        mtime: new Date(sizesAndTimes[index * 2 + 1] as number),
      });
    }
    return result;
  }

  private async listLive(folder: string, relative: string): Promise<Map<string, ListedEntry> | undefined> {
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch {
      return undefined;
    }
    const result = new Map<string, ListedEntry>();
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      if (this.isHidden(relative === '' ? entry.name : `${relative}/${entry.name}`)) continue;
      // Synchronous: the phone lists every `xx` folder of a large backup (~400 entries each, §7.2
      // step 3), and one lstat on this thread costs a fraction of a hand-off to libuv's pool.
      const stat = fsSync.lstatSync(path.join(folder, entry.name), { throwIfNoEntry: false });
      if (stat) result.set(entry.name, { isDirectory: stat.isDirectory(), isFile: stat.isFile(), size: stat.isFile() ? stat.size : 0, mtime: stat.mtime });
    }
    return result;
  }

  /**
   * Gives staging its own copy of a previous-backup path the phone is about to move or copy
   * (§3.6.7, §3.6.9: the resume of §7.2 and old-format backups move files that were already
   * there), as hard links so no content is copied, and hides the original: after the move the
   * path is the phone's, not the previous backup's. Returns false when there is nothing to pull.
   */
  async pullIntoStaging(devicePath: string, stagingTarget: string): Promise<boolean> {
    const source = await this.resolveForRead(devicePath);
    if (source === undefined) return false;
    await fs.mkdir(path.dirname(stagingTarget), { recursive: true, mode: PRIVATE_FOLDER_MODE });
    const relative = this.relative(devicePath) ?? '';
    await linkTree(source, stagingTarget, relative, (below) => below !== relative && this.isHidden(below));
    this.hide(devicePath);
    return true;
  }
}

/** Hard-links a previous-backup file or folder into staging; what staging already holds wins, removed paths stay out. */
async function linkTree(source: string, target: string, relative: string, isHidden: (relative: string) => boolean): Promise<void> {
  if (isHidden(relative) && relative !== '') return;
  const stat = await fs.lstat(source);
  if (stat.isDirectory()) {
    await fs.mkdir(target, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    for (const name of await fs.readdir(source)) {
      if (!name.startsWith(TEMP_PREFIX)) await linkTree(path.join(source, name), path.join(target, name), relative === '' ? name : `${relative}/${name}`, isHidden);
    }
  } else if (stat.isFile() || stat.isSymbolicLink()) {
    try {
      // A link is recreated as a link, as the clone did: the path checks then refuse to follow it.
      if (stat.isFile()) await fs.link(source, target);
      else await fs.symlink(await fs.readlink(source), target);
    } catch (error) {
      // The phone already wrote this path in this run: its file is the newer one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
