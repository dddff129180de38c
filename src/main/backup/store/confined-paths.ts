import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { KnownTree } from './known-tree';
import { PRIVATE_FOLDER_MODE } from './private-modes';

/** Longest device path we accept, in UTF-8 bytes (libimobiledevice caps stream names at 4096, §3.6.2). */
const MAX_DEVICE_PATH_BYTES = 4096;
/** Longest single path component: what every common file system allows. */
const MAX_COMPONENT_BYTES = 255;

/** A path of plain components (see ConfinedPaths.resolve); anything else takes the careful way. */
const PLAIN_PATH = /^[\w-](?:[\w.-]*[\w-])?(?:\/[\w-](?:[\w.-]*[\w-])?)*$/;
/**
 * Names Windows keeps for devices, in any case and with any extension ("CON", "nul.txt",
 * "COM1.tar.gz", "CON .txt"): opening one there reaches the device instead of a file, and such a
 * backup cannot be copied onto Windows. A real phone never sends them (its backup files are named
 * by hash, protocol.md §3.5), so refusing them on every platform costs nothing.
 */
const WINDOWS_DEVICE_NAME = /^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$) *(?:\..*)?$/i;
/** The same names as whole components of a plain path, so the quick way can hand them to the careful one. */
const WINDOWS_DEVICE_NAME_IN_PLAIN_PATH = /(?:^|\/)(?:CON|PRN|AUX|NUL|COM\d|LPT\d)(?:[./]|$)/i;

/**
 * Maps the paths a device sends (relative to the backup root, starting with the backup folder
 * name, protocol.md §3.5) onto one folder of ours, and refuses everything else.
 *
 * The device is untrusted: only `<folder>` and `<folder>/…` (plus explicitly allowed extra names,
 * such as a restore's copy folder of §7.3) are accepted; absolute paths, `..`, `.`, empty
 * components, backslashes and NUL are refused before touching the disk, and so are names Windows
 * cannot hold (ending in a dot or a space, or a device name such as `CON` or `LPT1.txt`: Windows
 * would drop the dot, or open the device, so two different names could land on one file or none
 * at all), on every platform, so a backup made here can be copied there. `checkNoLinks`
 * refuses any existing symbolic link on the way (lstat, component by component), so a link
 * planted in an old backup cannot lead a write or a read outside.
 */
export class ConfinedPaths {
  private readonly targets: ReadonlyMap<string, string>;
  /**
   * Folders already checked and files this run made, so a run of uploads checks each folder once
   * instead of once per file. The one cache of path facts; see known-tree.ts for who invalidates it.
   */
  readonly known: KnownTree;
  /** The host folder `<folderName>` maps to. */
  readonly base: string;

  /**
   * The folder this run's writes land in at the commit (the previous backup `<root>/<UDID>`
   * behind an empty staging, store/previous-backup.ts), or undefined. Its links are refused too:
   * staging lacks a folder the previous backup has as a planted link, so a path through it looks
   * harmless here, but the commit's rename into `<root>/<UDID>/cd/…` would follow that link out.
   */
  private readonly behind: string | undefined;

  constructor(
    readonly folderName: string,
    base: string,
    extraFolders: ReadonlyMap<string, string> = new Map(),
    behind?: string,
  ) {
    this.base = path.resolve(base);
    this.behind = behind === undefined ? undefined : path.resolve(behind);
    this.known = new KnownTree(this.base);
    this.targets = new Map([[folderName, this.base], ...[...extraFolders].map(([name, dir]) => [name, path.resolve(dir)] as const)]);
  }

  /** The host path for a device path, or a BackupError `hostile-path` that names it. */
  resolve(devicePath: string): string {
    // Nearly every path is short and plain ("<UDID>/Snapshot/ab/<40 hex>"): letters, digits, "_",
    // "-" and dots that never start a component, so no "", "." or ".." component, no NUL,
    // backslash or drive letter, no component over 255 bytes or ending in a dot, and (checked
    // second, as it is rarely needed) no Windows device name. Such a path needs no splitting.
    if (devicePath.length <= MAX_COMPONENT_BYTES && PLAIN_PATH.test(devicePath) && !WINDOWS_DEVICE_NAME_IN_PLAIN_PATH.test(devicePath)) {
      const slash = devicePath.indexOf('/');
      const base = this.targets.get(slash < 0 ? devicePath : devicePath.slice(0, slash));
      if (base !== undefined) {
        if (slash < 0) return base;
        const rest = devicePath.slice(slash);
        return base + (path.sep === '/' ? rest : rest.replaceAll('/', path.sep));
      }
    }
    const refuse = (why: string): never => {
      throw new BackupError('hostile-path', `The iPhone sent a path that ${why}; the backup was stopped to protect this computer (${printable(devicePath)}).`);
    };
    if (typeof devicePath !== 'string' || devicePath.length === 0) refuse('is empty');
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only for strings that could be too long.
    if (devicePath.length * 3 > MAX_DEVICE_PATH_BYTES && Buffer.byteLength(devicePath, 'utf8') > MAX_DEVICE_PATH_BYTES) refuse(`is longer than ${MAX_DEVICE_PATH_BYTES} bytes`);
    if (devicePath.includes('\0')) refuse('contains a NUL character');
    if (devicePath.includes('\\')) refuse('contains a backslash');
    if (devicePath.startsWith('/') || /^[A-Za-z]:/.test(devicePath)) refuse('is absolute');
    const parts = devicePath.split('/');
    // A trailing slash ("U/Snapshot/") is harmless; anything else empty is not.
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const part of parts) {
      if (part === '' || part === '.' || part === '..') refuse('contains an empty, "." or ".." component');
      if (part.length * 3 > MAX_COMPONENT_BYTES && Buffer.byteLength(part, 'utf8') > MAX_COMPONENT_BYTES) refuse(`has a component longer than ${MAX_COMPONENT_BYTES} bytes`);
      if (part.endsWith('.') || part.endsWith(' ')) refuse('has a name ending in a dot or a space, which Windows cannot store');
      if (WINDOWS_DEVICE_NAME.test(part)) refuse('uses a name Windows keeps for devices (such as CON, NUL, COM1 or LPT1)');
    }
    const base = this.targets.get(parts[0] as string);
    if (base === undefined) refuse('is outside this device\'s backup folder');
    // Every component was checked above, so plain concatenation is what path.join would give.
    const resolved = parts.length === 1 ? (base as string) : `${base as string}${path.sep}${parts.slice(1).join(path.sep)}`;
    if (resolved !== base && !resolved.startsWith(`${base}${path.sep}`)) refuse('leaves the backup folder');
    return resolved;
  }

  /** The confined folder a resolved path lies in. */
  baseOf(resolved: string): string {
    for (const base of this.targets.values()) {
      if (resolved === base || resolved.startsWith(`${base}${path.sep}`)) return base;
    }
    throw new BackupError('hostile-path', `${resolved} is not inside the backup folder.`);
  }

  /**
   * Refuses a path if any existing component below the base (the last one included) is a
   * symbolic link. Components that do not exist yet are fine: we create them as real folders.
   */
  async checkNoLinks(resolved: string, devicePath: string): Promise<void> {
    const base = this.baseOf(resolved);
    await this.checkNoLinksBehind(resolved, devicePath);
    // A file where a folder should be does not end the walk quietly here: its ENOTDIR reaches the caller.
    if (firstLinkBelow(base, path.relative(base, resolved), STOP_AT_MISSING) !== undefined) throw linkRefusal(devicePath);
  }

  /**
   * For an upload to `resolved`: makes sure every folder between the base and the file is a real
   * directory, creating missing ones, and refuses a symbolic link on the way (BackupError
   * `hostile-path`). Folders checked or made earlier are not looked at again (see
   * `known`). The last component is deliberately not looked at: uploads are written to a
   * new temporary file (`wx`) and renamed over it, and rename replaces a link there instead of
   * following it. With `create: false` (a file that is read and dropped) nothing is created and
   * the walk stops at the first missing folder. Other failures (a file where a folder must go)
   * are thrown as the file system's errno error, for the device's status response (§3.7).
   */
  async prepareParentFolders(resolved: string, devicePath: string, options: { readonly create: boolean }): Promise<void> {
    const parent = path.dirname(resolved);
    if (this.known.hasFolder(parent)) return;
    const base = this.baseOf(resolved);
    if (parent === base || !parent.startsWith(`${base}${path.sep}`)) return;
    await this.checkNoLinksBehind(parent, devicePath);
    this.prepareFolder(base, parent, devicePath, options.create);
  }

  /**
   * DLMessageCreateDirectory (protocol.md §3.6.5): `mkdir -p` of a device path, "exists" being
   * success, with the checks of prepareParentFolders for every component, the folder itself
   * included. What it finds or makes goes into `known`, so the uploads, listings and removals that
   * follow there check nothing again (an incremental backup creates 514 folders before its uploads,
   * §7.2 step 7, and removes half of them at its end). A file where a folder goes fails as mkdir
   * would (EEXIST for the folder itself, ENOTDIR on the way); a link is refused (`hostile-path`).
   */
  async makeFolder(devicePath: string): Promise<void> {
    const resolved = this.resolve(devicePath);
    if (this.known.hasFolder(resolved)) return;
    const base = this.baseOf(resolved);
    if (resolved === base) {
      fs.mkdirSync(base, { recursive: true, mode: PRIVATE_FOLDER_MODE });
      return;
    }
    await this.checkNoLinksBehind(resolved, devicePath);
    const existing = fs.lstatSync(resolved, { throwIfNoEntry: false });
    if (existing !== undefined && !existing.isDirectory() && !existing.isSymbolicLink()) {
      throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${resolved}'`), { code: 'EEXIST', errno: -17, path: resolved });
    }
    this.prepareFolder(base, resolved, devicePath, true);
  }

  /**
   * Walks `folder` down from `base` (which it lies below), component by component: a known folder
   * is skipped, a missing one made (with `create`; without, the walk stops there), a link refused,
   * anything else that is not a folder an ENOTDIR. Each folder found or made goes into `known`.
   * Synchronous, as PreviousBackup.list is: one lstat or mkdir costs a fraction of a hand-off to
   * libuv's pool, and the phone waits for each answer. The caller checked the folder behind.
   */
  private prepareFolder(base: string, folder: string, devicePath: string, create: boolean): void {
    let current = base;
    for (const part of path.relative(base, folder).split(path.sep)) {
      current = path.join(current, part);
      if (this.known.hasFolder(current)) continue;
      let stat = fs.lstatSync(current, { throwIfNoEntry: false });
      if (stat === undefined) {
        if (!create) return;
        try {
          fs.mkdirSync(current, { mode: PRIVATE_FOLDER_MODE });
          // Made just now by us: a real, empty folder.
          this.known.addFolder(current);
          continue;
        } catch (mkdirError) {
          // Someone made it meanwhile: look again below.
          if ((mkdirError as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirError;
        }
        stat = fs.lstatSync(current);
      }
      if (stat.isSymbolicLink()) throw linkRefusal(devicePath);
      if (!stat.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR', errno: -20, path: current });
      this.known.addFolder(current);
    }
  }

  /**
   * The same refusal for the path's place in the folder behind (see `behind`): every existing
   * component there, the last one included, must not be a symbolic link. It stops at the first
   * missing one, which the commit creates as a real folder. Never cached separately: callers
   * reach it only for folders `known` does not hold yet, and the previous backup is not written
   * during a run.
   */
  private async checkNoLinksBehind(resolved: string, devicePath: string): Promise<void> {
    if (this.behind === undefined || (resolved !== this.base && !resolved.startsWith(`${this.base}${path.sep}`))) return;
    // A file in the folder behind where this path needs a folder ends the walk: nothing below a file can be a link.
    if (firstLinkBelow(this.behind, path.relative(this.base, resolved), STOP_AT_MISSING_OR_FILE) !== undefined) throw linkRefusal(devicePath);
  }

  /** Whether the folder `resolved` goes into was already checked (prepareParentFolders would do nothing). */
  isParentChecked(resolved: string): boolean {
    return this.known.hasFolder(parentFolder(resolved));
  }

  /** resolve + checkNoLinks; a folder `known` holds was checked on its way in (prepareFolder), here and behind. */
  async resolveChecked(devicePath: string): Promise<string> {
    const resolved = this.resolve(devicePath);
    if (!this.known.hasFolder(resolved)) await this.checkNoLinks(resolved, devicePath);
    return resolved;
  }
}

/**
 * path.dirname(resolved), asked for every file of a backup: for the usual `/…/folder/name` it is
 * one native search for the last separator instead of dirname's character loop in JavaScript.
 */
export function parentFolder(resolved: string): string {
  const last = resolved.lastIndexOf(path.sep);
  // A root (`/`, `//`), a trailing separator or no separator at all: dirname's own rules.
  if (last <= 1 || last === resolved.length - 1 || path.sep !== '/') return path.dirname(resolved);
  return resolved.slice(0, last);
}

/** The errno codes that mean "nothing exists from here on" for the folder under `base`. */
const STOP_AT_MISSING: ReadonlySet<string> = new Set(['ENOENT']);
/** The same, where a file standing in for a folder also ends the walk. */
const STOP_AT_MISSING_OR_FILE: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR']);

/**
 * The first existing component of `relative` under `root` (the last one included) that is a
 * symbolic link, or undefined: lstat part by part from `root` down, stopping quietly at the first
 * part whose lstat fails with one of `stopCodes` (other failures are thrown). The one walk both
 * link checks share.
 */
function firstLinkBelow(root: string, relative: string, stopCodes: ReadonlySet<string>): string | undefined {
  let current = root;
  for (const part of relative === '' ? [] : relative.split(path.sep)) {
    current = path.join(current, part);
    let stat;
    try {
      // Synchronous for the reason prepareFolder gives; a missing part is the common stop, without an Error.
      stat = fs.lstatSync(current, { throwIfNoEntry: false });
    } catch (error) {
      if (stopCodes.has((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
    if (stat === undefined) {
      if (stopCodes.has('ENOENT')) return undefined;
      throw Object.assign(new Error(`ENOENT: no such file or directory, lstat '${current}'`), { code: 'ENOENT', errno: -2, path: current });
    }
    if (stat.isSymbolicLink()) return current;
  }
  return undefined;
}

function linkRefusal(devicePath: string): BackupError {
  return new BackupError('hostile-path', `The iPhone asked to use ${printable(devicePath)}, which goes through a symbolic link in the backup folder; the backup was stopped to protect this computer.`);
}

function printable(text: unknown): string {
  const value = typeof text === 'string' ? text : String(text);
  const cut = value.length > 120 ? `${value.slice(0, 120)}…` : value;
  return JSON.stringify(cut);
}
