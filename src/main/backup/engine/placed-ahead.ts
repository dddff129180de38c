import fsSync from 'node:fs';
import path from 'node:path';
import { type ConfinedPaths, OwnFileSet } from '../store';

/**
 * Uploads written straight to where the phone will move them, so that a backup's MoveItems
 * (`Snapshot/xx/<id>` → `xx/<id>`, protocol.md §7.2 step 12, one per uploaded file) costs no
 * rename. On `large` those 103,000 renames were ~3 s of kernel CPU (two path walks and a name
 * lookup each, bench/README.md "Creating files") on the one writer thread that ran them all, at
 * the end of the backup while the phone waited for the answers.
 *
 * The phone must never be able to tell. A file is placed ahead only while nothing but uploads
 * happened to the run's content folders, so its destination cannot hold anything yet:
 *  - only uploads to `<U>/Snapshot/<xx>/<id>` (lower-case hex, as every file ID is) whose folder
 *    and destination folder `<U>/<xx>` were both checked this run are placed, at `<U>/<xx>/<id>`;
 *  - while any file is placed, an upload that is neither placeable nor a file directly in `<U>` or
 *    `<U>/Snapshot` puts them all back first and stops placing: on a disk that ignores case or
 *    Unicode normalisation (macOS, Windows) `<U>/AA/<id>` or `Snapshot/aa/<ID>` is the same file as
 *    a placed one or its upload name, and lower-case hex is the only spelling no other can alias;
 *  - placing stops for good (`disarm`) at the first MoveItems, at any request that may put a file
 *    into staging some other way or make a folder inside a content folder, and at an upload into a
 *    content folder itself (a new staging holds only what this run put there, so until then every
 *    file under `<U>/<xx>/` was placed here; drive-loop.ts applies the rule per request kind);
 *  - a MoveItems whose every pair is a placed file and its own destination is answered without
 *    touching the disk (`claim`); any other request first puts every placed file back under its
 *    upload name (`putBack`, one rename each: what the phone's moves would have cost), so what it
 *    reads, lists, moves or removes is exactly what the phone wrote;
 *  - a run that ends with files still placed puts them back too (the DL loop's final message is
 *    not an upload), so staging is the phone's view whatever it did; a failed run's staging is
 *    deleted anyway.
 * Not used with the Camera Roll left out (its uploads may be dropped and its moves rewrite the
 * Manifest first). Placed names are held outside the JavaScript heap (OwnFileSet), at most
 * MAX_PLACED of them: a million-file phone places its first ones and renames the rest as before.
 */
const MAX_PLACED = 200_000;
const MAX_PLACED_BYTES = 12 * 1024 * 1024;

export class PlacedAhead {
  private armed: boolean;
  private readonly base: string;
  private readonly snapshotPrefix: string;
  /** Destinations holding a placed file the phone has not moved yet. */
  private readonly placed: OwnFileSet;
  /** The destination the latest placeUpload added (not one an earlier upload of the name had placed). */
  private lastAdded: string | undefined;

  constructor(base: string, options: { readonly enabled: boolean }) {
    this.armed = options.enabled;
    this.base = base;
    this.snapshotPrefix = `${base}${path.sep}Snapshot${path.sep}`;
    this.placed = new OwnFileSet({ prefix: `${base}${path.sep}`, maxEntries: MAX_PLACED, maxBytes: MAX_PLACED_BYTES });
  }

  get isArmed(): boolean {
    return this.armed;
  }

  /** How many placed files wait for their move. */
  get outstanding(): number {
    return this.placed.size;
  }

  /** No more files are placed in this run (those placed stay until claimed or put back). */
  disarm(): void {
    this.armed = false;
  }

  /**
   * Where an upload to `target` (resolved, not discarded) is written: its move's destination when
   * placed ahead, else `target`; undefined when every placed file must be put back first (the
   * upload goes to a placed file's destination, or to a name that might alias one), after which
   * nothing more is placed. An upload into a content folder itself also stops placing for the run.
   */
  placeUpload(target: string, paths: ConfinedPaths): string | undefined {
    this.lastAdded = undefined;
    const destination = this.destinationOf(target);
    if (this.placed.size > 0) {
      if (destination === undefined && !this.isPlainFile(target)) {
        this.armed = false;
        return undefined;
      }
      // Placing has stopped but this name's first upload is still placed: the put-back would overwrite this one.
      if (destination !== undefined && !this.armed && this.placed.has(destination)) return undefined;
    }
    if (!this.armed) return target;
    if (destination === undefined) {
      if (this.insideContentFolder(target)) this.armed = false;
      return target;
    }
    if (!paths.isParentChecked(target) || !paths.isParentChecked(destination)) return this.placed.size > 0 && this.placed.has(destination) ? undefined : target;
    // A second upload to the same name goes where the first went; a name the set cannot hold is renamed later as before.
    const before = this.placed.size;
    if (!this.placed.add(destination)) return target;
    this.lastAdded = this.placed.size > before ? destination : undefined;
    return destination;
  }

  /**
   * The upload just placed at `destination` wrote nothing (the phone reported it failed, or its
   * folder could not be made): if no earlier upload of that name is there, it is no longer placed,
   * so a put-back does not look for it and a move of it is not answered as done. Called right after
   * that upload, before the next one is placed.
   */
  uploadFailed(destination: string): void {
    if (this.lastAdded === destination) this.placed.delete(destination);
    this.lastAdded = undefined;
  }

  /**
   * For a MoveItems request (resolved pairs): true, with every pair taken off the placed set, when
   * each moves a placed file to its own destination, so the disk already looks as after the
   * renames. Otherwise nothing changes and the caller puts everything back first.
   */
  claim(moves: ReadonlyArray<{ readonly from: string; readonly to: string }>): boolean {
    if (this.placed.size === 0) return false;
    const seen = new Set<string>();
    for (const move of moves) {
      const destination = this.destinationOf(move.from);
      if (destination === undefined || destination !== move.to || seen.has(destination) || !this.placed.has(destination)) return false;
      seen.add(destination);
    }
    for (const destination of seen) this.placed.delete(destination);
    return true;
  }

  /**
   * Takes every placed file off the set, for the caller to put back (`putBack`, after the writer
   * settled): none is placed any more, whatever the renames then do.
   */
  takeAll(): string[] {
    if (this.placed.size === 0) return [];
    const destinations = this.placed.values();
    this.placed.clear();
    return destinations;
  }

  /** Renames a placed file back to its upload name; returns that name. */
  putBack(destination: string): string {
    const source = this.sourceOf(destination);
    fsSync.renameSync(destination, source);
    return source;
  }

  /** `<base>/Snapshot/<xx>/<name>` → `<base>/<xx>/<name>`; undefined for any other path. */
  private destinationOf(target: string): string | undefined {
    const prefix = this.snapshotPrefix;
    if (!target.startsWith(prefix)) return undefined;
    const folderEnd = prefix.length + 2;
    if (target.length <= folderEnd + 1 || target[folderEnd] !== path.sep || !isHex(target.charCodeAt(prefix.length)) || !isHex(target.charCodeAt(prefix.length + 1))) return undefined;
    // Lower-case hex only (every file ID is a SHA-1 in hex, §7): a name no other spelling can alias.
    for (let index = folderEnd + 1; index < target.length; index += 1) if (!isHex(target.charCodeAt(index))) return undefined;
    return `${this.base}${path.sep}${target.slice(prefix.length)}`;
  }

  /** A file directly in `<U>` or `<U>/Snapshot` (Status.plist, Manifest.db): it cannot alias a placed file or its upload name, two folders deeper. */
  private isPlainFile(target: string): boolean {
    const start = target.startsWith(this.snapshotPrefix) ? this.snapshotPrefix.length : this.base.length + 1;
    return target.startsWith(`${this.base}${path.sep}`) && target.indexOf(path.sep, start) < 0;
  }

  private sourceOf(destination: string): string {
    return `${this.snapshotPrefix}${destination.slice(this.base.length + 1)}`;
  }

  /** Below `<base>/<folder>/`, other than `Snapshot/`: where a content file (or one placed) could be. */
  private insideContentFolder(target: string): boolean {
    if (!target.startsWith(`${this.base}${path.sep}`) || target.startsWith(this.snapshotPrefix)) return false;
    return target.indexOf(path.sep, this.base.length + 1) >= 0;
  }
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66);
}
