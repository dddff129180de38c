import path from 'node:path';
import { OwnFileSet } from './own-file-set';

/**
 * What this run already knows about the backup tree, so the per-file path checks of a backup
 * cost nothing after the first file of a folder (bench/README.md, many-small):
 *  - `folders`: folders below a confined base found (lstat) or made (mkdir) to be real directories;
 *  - `ownFiles`: regular files this run created (O_EXCL, or renamed into place) that no request has
 *    touched since, so a MoveItems source among them needs no lstat to be known a plain file.
 *
 * Both are positive facts about the disk and hold only while nothing but our own uploads and file
 * renames changes the tree. Whatever else may change it calls invalidate(), and only two places
 * do (both keep it in one rule each): the DeviceLink loop after any request whose handler says the
 * tree changed (engine/drive-loop.ts, one TreeEffect per request kind), and the background
 * writer when one of its renames had to remove a folder (whole-file-writer.ts). Forgetting is
 * always safe; it only costs the next file of each folder an lstat.
 *
 * `ownFiles` takes no more names once it holds MAX_OWN_FILES, or MAX_OWN_FILE_BYTES of them: a
 * million-file phone's full backup otherwise kept every content file's path, about 150 MB of the
 * run's heap by its end (the huge profile's RSS target is 400 MB). The names are kept outside the
 * JavaScript heap (own-file-set.ts): as 200,000 strings they were ~30 MB of live heap, which V8
 * let grow to a few times that in garbage before collecting, and huge's peak RSS rose from 166 MB
 * to 381 MB. It keeps the oldest rather than the newest because a full backup's MoveItems (`Snapshot/xx/<id>` → `xx/<id>`,
 * protocol.md §7.2) come after every upload, in upload order: when it was emptied at 50,000 names,
 * the `large` phone's first ~100,000 moves missed it and each took an lstat and a rename on the
 * main thread while the phone waited for the answer, instead of a rename queued on the writer's
 * thread (move-items.ts). Each move frees the entry of the file it moves.
 */
export const MAX_OWN_FILES = 200_000;
/**
 * What their names may take (after the run's folder: ~52 bytes for `Snapshot/xx/<40 hex>`): the
 * `large` phone's 103,000 uploads and their moved names fit, so every one of its moves is queued.
 */
const MAX_OWN_FILE_BYTES = 12 * 1024 * 1024;

export class KnownTree {
  private readonly folders = new Set<string>();
  private readonly ownFiles: OwnFileSet;

  /** `folder`: where the run's files lie (ConfinedPaths.base); only the rest of a name is stored. */
  constructor(folder?: string) {
    const prefix = folder === undefined ? '' : `${folder.endsWith(path.sep) ? folder : folder + path.sep}`;
    this.ownFiles = new OwnFileSet({ prefix, maxEntries: MAX_OWN_FILES, maxBytes: MAX_OWN_FILE_BYTES });
  }

  hasFolder(folder: string): boolean {
    return this.folders.has(folder);
  }

  /** `folder` was just seen (lstat) or made to be a real directory, not a link. */
  addFolder(folder: string): void {
    this.folders.add(folder);
  }

  isOwnFile(file: string): boolean {
    return this.ownFiles.has(file);
  }

  /** This run just created `file` as a new regular file (or queued its write). */
  addOwnFile(file: string): void {
    // A name it cannot hold (full) stays unknown: forgetting is always safe.
    this.ownFiles.add(file);
  }

  /** `file` was removed or replaced by something we did not create. */
  forgetFile(file: string): void {
    this.ownFiles.delete(file);
  }

  /** A file was renamed from `from` over `to`: our own file moves with it, anything at `to` is gone. */
  fileRenamed(from: string, to: string): void {
    if (this.ownFiles.delete(from)) this.addOwnFile(to);
    else this.ownFiles.delete(to);
  }

  /** Something other than our uploads and file renames may have changed the tree: check everything afresh. */
  invalidate(): void {
    this.folders.clear();
    this.ownFiles.clear();
  }

  /** What is known, for tests that compare it with the disk. */
  snapshot(): { readonly folders: readonly string[]; readonly ownFiles: readonly string[] } {
    return { folders: [...this.folders], ownFiles: this.ownFiles.values() };
  }
}
