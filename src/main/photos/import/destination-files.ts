import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../../shared/format';
import { BackupError } from '../../backup/backup-error';
import type { WallClockDate } from './exif-date';

/**
 * Where imported photos land and how they get there safely: `<folder>/<YYYY>/<MM>/<name>`, written
 * as `<name>.<n>.lifeboat-partial`, flushed to disk, then renamed. A cancelled or failed copy removes
 * its partial file, so a name without the suffix always holds a complete photo.
 */
export const PARTIAL_SUFFIX = '.lifeboat-partial';
/** `IMG_0001 (2).JPG` … `IMG_0001 (999).JPG`: beyond that something is wrong, not merely crowded. */
const MAX_NAME_VARIANTS = 999;
const MAX_NAME_BYTES = 255 - Buffer.byteLength(PARTIAL_SUFFIX) - 8;
/** Partial names carry `.<n>` in base 36 before the suffix: at most 7 characters and the dot, within the 8 bytes kept free. */
const PARTIAL_SEQUENCE_LIMIT = 36 ** 7;

/** Creates the import folder when missing; a file there, or a folder Lifeboat cannot make, is said in a sentence. */
export async function prepareDestination(root: string): Promise<void> {
  try {
    await fs.mkdir(root, { recursive: true });
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw new BackupError('io', `${root} is a file, not a folder; choose a folder to import the photos into.`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('io', `Lifeboat cannot use ${root} as the photo folder: ${(error as Error).message}`, { cause: error });
  }
}

/** Refuses before copying anything when `neededBytes` (and `marginBytes` beyond) will not fit on the disk holding `root`. */
export async function checkFreeSpace(root: string, neededBytes: number, marginBytes: number): Promise<void> {
  let free: number;
  try {
    const stats = await fs.statfs(root);
    free = Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return; // Unknown: the writes themselves will say when the disk is full.
  }
  if (neededBytes > 0 && free < neededBytes + marginBytes) {
    throw new BackupError(
      'disk-full',
      `The photos to import need ${formatBytes(neededBytes)} but the disk holding ${root} has only ${formatBytes(free)} free. Free some space or choose another folder.`,
    );
  }
}

/** `YYYY/MM` for a capture date, relative to the import folder. */
export function monthFolder(date: WallClockDate): string {
  return `${String(date.year).padStart(4, '0')}/${String(date.month).padStart(2, '0')}`;
}

/**
 * A file name from the phone, made safe for this computer: one path component, no control
 * characters, none of the characters Windows forbids. Undefined when nothing sensible remains.
 */
export function safeFileName(deviceName: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = deviceName.normalize('NFC').replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/[. ]+$/, '');
  if (cleaned === '' || cleaned === '.' || cleaned === '..' || cleaned.startsWith('.')) return undefined;
  if (Buffer.byteLength(cleaned) > MAX_NAME_BYTES) return undefined;
  // Device names Windows reserves whatever the extension (CON, NUL, COM1…).
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(cleaned)) return `_${cleaned}`;
  return cleaned;
}

/** `name` for the first, `stem (n).ext` after: the convention of Finder and Explorer. */
export function nameVariant(name: string, variant: number): string {
  if (variant <= 1) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${variant})${name.slice(dot)}` : `${name} (${variant})`;
}

/** The n of `stem (n).ext` (1 for a plain name): which variant of its name a file was given. */
export function nameVariantOf(fileName: string): number {
  const match = / \((\d{1,3})\)(\.[^./]*)?$/.exec(fileName);
  return match ? Number(match[1]) : 1;
}

async function sha1OfFile(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** ENOSPC and friends (SQLITE_FULL from the index too) become one clear sentence; other errors pass through. */
export function diskFullOr(error: unknown, folder: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    return new BackupError('disk-full', `The disk holding ${folder} is full. Free some space (or choose another folder) and import again; photos already copied are kept.`, { cause: error });
  }
  return error;
}

interface SettledFile {
  /** Relative to the import folder, `/`-separated. */
  readonly relativePath: string;
  /** True when an identical file already had the name and the new copy was dropped. */
  readonly alreadyThere: boolean;
}

/** Told apart by a short per-process number, so copies waiting to be published never share a partial name. */
let partialSequence = 0;

/**
 * A file being written under its partial name, then sealed (its bytes and date flushed to disk)
 * and only then published under its final name: a name without the suffix never points at bytes a
 * power cut could lose. Publishing refuses a file that is not sealed.
 */
export class PartialFile {
  private written = 0;
  private sealed = false;

  private constructor(
    private readonly handle: fs.FileHandle,
    readonly partialPath: string,
    private readonly root: string,
    private readonly folder: string,
    private readonly name: string,
  ) {}

  /** Creates `<folder>/<name>.<n>.lifeboat-partial`, replacing a leftover of an interrupted run. */
  static async create(root: string, relativeFolder: string, name: string): Promise<PartialFile> {
    const folder = path.join(root, ...relativeFolder.split('/'));
    partialSequence = (partialSequence + 1) % PARTIAL_SEQUENCE_LIMIT;
    try {
      await fs.mkdir(folder, { recursive: true });
      const partialPath = path.join(folder, `${name}.${partialSequence.toString(36)}${PARTIAL_SUFFIX}`);
      await fs.rm(partialPath, { force: true });
      // "wx": never write through something (a link) that appeared under the partial name.
      const handle = await fs.open(partialPath, 'wx');
      return new PartialFile(handle, partialPath, root, relativeFolder, name);
    } catch (error) {
      throw diskFullOr(error, root);
    }
  }

  get bytesWritten(): number {
    return this.written;
  }

  /** The folder the file will be published in, relative to the import folder. */
  get relativeFolder(): string {
    return this.folder;
  }

  async write(chunk: Buffer): Promise<void> {
    try {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
      this.written += chunk.length;
    } catch (error) {
      throw diskFullOr(error, this.root);
    }
  }

  /** Sets the phone's modification time, flushes the bytes to disk and closes; discards the file when that fails. */
  async seal(modified: Date | undefined): Promise<void> {
    try {
      if (modified) await this.handle.utimes(modified, modified);
      await this.handle.sync();
      await this.handle.close();
      this.sealed = true;
    } catch (error) {
      await this.discard();
      throw diskFullOr(error, this.root);
    }
  }

  /**
   * Gives a sealed file its final name: the original name, or `name (2)`… when another file has
   * it. An identical file already under one of those names (a copy whose index entry was lost,
   * say) is kept and this copy dropped. `firstVariant` starts the search at `name (n)`, so a Live
   * Photo's video takes the name its still was given. The rename is durable once the folder is
   * flushed (`syncFolder`), which the caller does once for a whole batch.
   */
  async publish(sha1: string, firstVariant = 1): Promise<SettledFile> {
    if (!this.sealed) throw new Error(`${this.partialPath} was published before its bytes were flushed to disk.`);
    const folderPath = path.dirname(this.partialPath);
    for (let variant = Math.max(1, firstVariant); variant <= MAX_NAME_VARIANTS; variant++) {
      const candidateName = nameVariant(this.name, variant);
      const candidate = path.join(folderPath, candidateName);
      const relativePath = `${this.folder}/${candidateName}`;
      const existing = await fs.lstat(candidate).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!existing) {
        await fs.rename(this.partialPath, candidate);
        return { relativePath, alreadyThere: false };
      }
      if (existing.isFile() && existing.size === this.written && (await sha1OfFile(candidate)) === sha1) {
        await fs.rm(this.partialPath, { force: true });
        return { relativePath, alreadyThere: true };
      }
    }
    await this.discard();
    throw new BackupError('io', `${this.folder} already holds ${MAX_NAME_VARIANTS} different files named like ${this.name}; move some away and import again.`);
  }

  /** Seal, publish and flush the folder, for a file published on its own (a converted JPEG). */
  async commit(sha1: string, modified: Date | undefined, firstVariant = 1): Promise<SettledFile> {
    await this.seal(modified);
    const settled = await this.publish(sha1, firstVariant);
    await syncFolder(path.dirname(this.partialPath));
    return settled;
  }

  /** Closes and removes the partial file; never throws (it runs while another error is on its way). */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fs.rm(this.partialPath, { force: true }).catch(() => undefined);
  }
}

/** Makes a rename durable; folders cannot be opened for syncing on Windows, which is fine. */
export async function syncFolder(folder: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // Best effort only.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Removes partial files a killed process left behind in `<folder>/<YYYY>/<MM>/`; only names with
 * our suffix are touched, and only at the depth where we write them.
 */
export async function removeStalePartials(root: string): Promise<number> {
  let removed = 0;
  for (const year of await listFolders(root)) {
    for (const month of await listFolders(path.join(root, year))) {
      const folder = path.join(root, year, month);
      for (const entry of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
        if (entry.isFile() && entry.name.endsWith(PARTIAL_SUFFIX)) {
          await fs.rm(path.join(folder, entry.name), { force: true });
          removed += 1;
        }
      }
    }
  }
  return removed;
}

async function listFolders(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && /^\d{2,4}$/.test(entry.name)).map((entry) => entry.name);
}
