import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError } from '../backup-error';

/** Longest device path we accept, in UTF-8 bytes (libimobiledevice caps stream names at 4096, §3.6.2). */
export const MAX_DEVICE_PATH_BYTES = 4096;
/** Longest single path component: what every common file system allows. */
export const MAX_COMPONENT_BYTES = 255;

/**
 * Maps the paths a device sends (relative to the backup root, starting with the backup folder
 * name, protocol.md §3.5) onto one folder of ours, and refuses everything else.
 *
 * The device is untrusted: only `<folder>` and `<folder>/…` (plus explicitly allowed extra names,
 * such as a restore's copy folder of §7.3) are accepted; absolute paths, `..`, `.`, empty
 * components, backslashes and NUL are refused before touching the disk, and `checkNoLinks`
 * refuses any existing symbolic link on the way (lstat, component by component), so a link
 * planted in an old backup cannot lead a write or a read outside.
 */
export class ConfinedPaths {
  private readonly targets: ReadonlyMap<string, string>;
  /** The host folder `<folderName>` maps to. */
  readonly base: string;

  constructor(
    readonly folderName: string,
    base: string,
    extraFolders: ReadonlyMap<string, string> = new Map(),
  ) {
    this.base = path.resolve(base);
    this.targets = new Map([[folderName, this.base], ...[...extraFolders].map(([name, dir]) => [name, path.resolve(dir)] as const)]);
  }

  /** The host path for a device path, or a BackupError `hostile-path` that names it. */
  resolve(devicePath: string): string {
    const refuse = (why: string): never => {
      throw new BackupError('hostile-path', `The iPhone sent a path that ${why}; the backup was stopped to protect this computer (${printable(devicePath)}).`);
    };
    if (typeof devicePath !== 'string' || devicePath.length === 0) refuse('is empty');
    if (Buffer.byteLength(devicePath, 'utf8') > MAX_DEVICE_PATH_BYTES) refuse(`is longer than ${MAX_DEVICE_PATH_BYTES} bytes`);
    if (devicePath.includes('\0')) refuse('contains a NUL character');
    if (devicePath.includes('\\')) refuse('contains a backslash');
    if (devicePath.startsWith('/') || /^[A-Za-z]:/.test(devicePath)) refuse('is absolute');
    const parts = devicePath.split('/');
    // A trailing slash ("U/Snapshot/") is harmless; anything else empty is not.
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const part of parts) {
      if (part === '' || part === '.' || part === '..') refuse('contains an empty, "." or ".." component');
      if (Buffer.byteLength(part, 'utf8') > MAX_COMPONENT_BYTES) refuse(`has a component longer than ${MAX_COMPONENT_BYTES} bytes`);
    }
    const base = this.targets.get(parts[0] as string);
    if (base === undefined) refuse('is outside this device\'s backup folder');
    const resolved = path.join(base as string, ...parts.slice(1));
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
    const rest = path.relative(base, resolved);
    let current = base;
    for (const part of rest === '' ? [] : rest.split(path.sep)) {
      current = path.join(current, part);
      let stat;
      try {
        stat = await fs.lstat(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      if (stat.isSymbolicLink()) {
        throw new BackupError('hostile-path', `The iPhone asked to use ${printable(devicePath)}, which goes through a symbolic link in the backup folder; the backup was stopped to protect this computer.`);
      }
    }
  }

  /** resolve + checkNoLinks. */
  async resolveChecked(devicePath: string): Promise<string> {
    const resolved = this.resolve(devicePath);
    await this.checkNoLinks(resolved, devicePath);
    return resolved;
  }
}

function printable(text: unknown): string {
  const value = typeof text === 'string' ? text : String(text);
  const cut = value.length > 120 ? `${value.slice(0, 120)}…` : value;
  return JSON.stringify(cut);
}
