import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BackupError } from '../backup/backup-error';
import type { BackupBrowser, BrowserEntry } from './backup-browser';

/**
 * Copying files and folders out of a backup to a folder of the person's choosing, with their
 * modification times from the MBFile records (protocol.md §5.6). Paths come from the backup,
 * which may be someone else's: a `..`, absolute or NUL-bearing path is refused, never followed.
 */

export interface BackupPath {
  readonly domain: string;
  /** '' = the whole domain. */
  readonly relativePath: string;
}

export interface ExtractProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly currentPath: string | undefined;
}

export interface ExtractOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ExtractProgress) => void;
  /** Which entries below the selection to take (export uses it for photos only); default all. */
  readonly filter?: (entry: BrowserEntry) => boolean;
}

export interface ExtractResult {
  /** Where the selection landed: `<to>/<last component of the selection>`. */
  readonly destination: string;
  readonly files: number;
  readonly directories: number;
  readonly bytes: number;
  /** Listed files whose content is not in the backup folder (a partial backup). */
  readonly missing: readonly string[];
  /** Symbolic links are not recreated on this computer; their paths are listed. */
  readonly linksSkipped: readonly string[];
}

/** `Domain/relative/path` → its parts; domains never contain a slash (§5.8). */
export function parseBackupPath(text: string): BackupPath {
  const trimmed = text.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') throw new BackupError('not-found', 'Name a path in the backup as Domain/relative/path, e.g. HomeDomain/Library/SMS.');
  const slash = trimmed.indexOf('/');
  return slash < 0 ? { domain: trimmed, relativePath: '' } : { domain: trimmed.slice(0, slash), relativePath: trimmed.slice(slash + 1) };
}

/** The longest name a file system here holds (NAME_MAX; APFS on the phone has the same 255-byte limit). */
const MAX_NAME_BYTES = 255;

/** The components of a backup path, refused if any could leave the destination folder or could not be a name here. */
function safeComponents(relativePath: string, shown: string): string[] {
  if (relativePath === '') return [];
  const parts = relativePath.split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('\0') || (path.sep === '\\' && /[\\:]/.test(part))) {
      throw new BackupError('hostile-path', `The backup lists a path that could leave the destination folder (${JSON.stringify(shown)}); nothing more was extracted.`);
    }
    if (Buffer.byteLength(part, 'utf8') > MAX_NAME_BYTES) {
      const start = shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
      throw new BackupError('hostile-path', `The backup lists a name longer than ${MAX_NAME_BYTES} bytes (${JSON.stringify(start)}), which no iPhone makes and no folder here can hold; the backup is damaged, and nothing more was extracted.`);
    }
  }
  return parts;
}

/** `work` on the destination folder, its file system errors (a path too long, no space, no permission) as a sentence. */
async function onDestination<T>(target: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('io', `Could not write ${target} (${(error as Error).message}); the files already copied were kept.`, { cause: error });
  }
}

/**
 * Extracts `selection` (a file, a folder, or a whole domain) into `to`. A domain lands in
 * `<to>/<Domain>/…`, a folder or file in `<to>/<its name>`.
 */
export async function extractFromBackup(browser: BackupBrowser, selection: BackupPath, to: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const base = selection.relativePath === '' ? '' : selection.relativePath.split('/').slice(0, -1).join('/');
  const top = selection.relativePath === '' ? selection.domain : (selection.relativePath.split('/').pop() as string);
  const entries = [...browser.under(selection.domain, selection.relativePath)].filter((entry) => options.filter?.(entry) ?? true);
  if (entries.length === 0) {
    throw new BackupError('not-found', `The backup has nothing at ${selection.domain}/${selection.relativePath}.`);
  }
  const destinationRoot = path.resolve(to);
  const destination = path.join(destinationRoot, ...safeComponents(top, top));
  const hostPathOf = (entry: BrowserEntry): string => {
    const relative = base === '' || selection.relativePath === '' ? entry.relativePath : entry.relativePath.slice(base.length + 1);
    const components = safeComponents(relative, `${entry.domain}/${entry.relativePath}`);
    return selection.relativePath === '' ? path.join(destination, ...components) : path.join(destinationRoot, ...components);
  };

  const files = entries.filter((entry) => entry.kind === 'file');
  const progress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((sum, entry) => sum + entry.size, 0), currentPath: undefined as string | undefined };
  const missing: string[] = [];
  const linksSkipped: string[] = [];
  const directories: Array<{ target: string; entry: BrowserEntry }> = [];
  await onDestination(destinationRoot, () => fs.promises.mkdir(destinationRoot, { recursive: true }));
  if (selection.relativePath === '') await onDestination(destination, () => fs.promises.mkdir(destination, { recursive: true }));

  for (const entry of entries) {
    if (options.signal?.aborted) throw new BackupError('cancelled', 'The extraction was cancelled; the files already copied were kept.');
    const target = hostPathOf(entry);
    const shown = `${entry.domain}/${entry.relativePath}`;
    if (entry.kind === 'directory') {
      await onDestination(target, () => fs.promises.mkdir(target, { recursive: true }));
      directories.push({ target, entry });
      continue;
    }
    if (entry.kind !== 'file') {
      linksSkipped.push(shown);
      continue;
    }
    progress.currentPath = shown;
    if (!browser.hasContent(entry)) {
      missing.push(shown);
      progress.filesDone += 1;
      options.onProgress?.({ ...progress });
      continue;
    }
    await onDestination(target, () => fs.promises.mkdir(path.dirname(target), { recursive: true }));
    const partial = `${target}.lifeboat-partial`;
    await onDestination(target, async () => {
      try {
        await pipeline(browser.openFile(entry), fs.createWriteStream(partial, { mode: 0o644 }));
        await fs.promises.rename(partial, target);
      } catch (error) {
        await fs.promises.rm(partial, { force: true }).catch(() => undefined);
        throw error;
      }
    });
    await setTimes(target, entry);
    progress.filesDone += 1;
    progress.bytesDone += entry.size;
    options.onProgress?.({ ...progress });
  }
  // Folder times last: writing their files changed them.
  for (const { target, entry } of directories.reverse()) await setTimes(target, entry);
  return { destination, files: progress.filesDone - missing.length, directories: directories.length, bytes: progress.bytesDone, missing, linksSkipped };
}

async function setTimes(target: string, entry: BrowserEntry): Promise<void> {
  if (entry.lastModified === undefined || entry.lastModified <= 0) return;
  await fs.promises.utimes(target, entry.lastModified, entry.lastModified).catch(() => undefined);
}

/**
 * Extracts the entries with these fileIDs (a folder with everything below it) into
 * `<to>/<Domain>/<relativePath>`, the layout the app's "Extract…" uses for a mixed selection.
 */
export async function extractByFileIds(browser: BackupBrowser, fileIds: readonly string[], to: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const results: ExtractResult[] = [];
  for (const fileId of fileIds) {
    const entry = browser.entryById(fileId);
    if (!entry) throw new BackupError('not-found', `The backup has no entry with the file ID ${fileId}.`);
    const shown = `${entry.domain}/${entry.relativePath}`;
    const parent = safeComponents(entry.relativePath, shown).slice(0, -1);
    // A domain's own root row (relativePath '') lands as `<to>/<Domain>` like any folder would.
    const target = entry.relativePath === '' ? path.resolve(to) : path.join(path.resolve(to), ...safeComponents(entry.domain, entry.domain), ...parent);
    results.push(await extractFromBackup(browser, { domain: entry.domain, relativePath: entry.relativePath }, target, options));
  }
  return {
    destination: path.resolve(to),
    files: results.reduce((sum, result) => sum + result.files, 0),
    directories: results.reduce((sum, result) => sum + result.directories, 0),
    bytes: results.reduce((sum, result) => sum + result.bytes, 0),
    missing: results.flatMap((result) => result.missing),
    linksSkipped: results.flatMap((result) => result.linksSkipped),
  };
}
