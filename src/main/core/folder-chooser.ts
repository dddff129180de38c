import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FolderListingView } from '../../shared/contract';
import { plugTheDiskIn } from '../backup/store';
import { fail } from './error-mapping';

/** More names than anyone scrolls through in a folder chooser; the rest are left out (`more`). */
const MAX_FOLDERS = 2000;

/** Where removable and network disks appear, so a backup folder on one can be chosen. */
const MOUNT_ROOTS = ['/media', '/mnt', '/run/media', '/Volumes'];

/**
 * A folder a person typed or chose must be absolute: a relative one would depend on the directory
 * Lifeboat happened to start in (a service, a login item), so backups would land somewhere nobody
 * looks. Said as a sentence, with what to do.
 */
export function requireAbsoluteFolder(value: string, what: string): string {
  if (!path.isAbsolute(value) || value.includes('\0')) {
    fail('invalid-argument', `${what} must be a full path from the top of the disk, such as ${path.join(os.homedir(), 'Backups')}; "${value}" is not. Use Choose… to pick it.`);
  }
  return path.resolve(value);
}

/**
 * A backup folder a person typed: a full path, not a file, and there or at least its parent there
 * (Lifeboat makes the last folder itself). A missing parent is usually a disk that is not plugged
 * in: making the path would put the backups on the computer's own disk, where nobody looks.
 */
export function requireUsableFolder(value: string, what: string): string {
  const folder = requireAbsoluteFolder(value, what);
  const kind = (candidate: string): 'folder' | 'other' | 'missing' => {
    try {
      return fs.statSync(candidate).isDirectory() ? 'folder' : 'other';
    } catch {
      return 'missing';
    }
  };
  const here = kind(folder);
  if (here === 'other') fail('invalid-argument', `${what} ${folder} is a file, not a folder. Use Choose… to pick a folder.`);
  const parent = path.dirname(folder);
  if (here === 'missing' && kind(parent) !== 'folder') {
    fail('invalid-argument', `${what} ${folder} cannot be used: ${parent} is not there. ${plugTheDiskIn('otherwise create the folder first, or use Choose… to pick another.')}`);
  }
  // Made now, while the person is choosing it: once saved, a missing folder means its disk is gone.
  if (here === 'missing') fs.mkdirSync(folder);
  return folder;
}

/**
 * The folders a chooser may show: the home folder, the mount points of removable disks, and the
 * folders (and their parents) Lifeboat already uses. Anything else (/etc, other people's homes) is
 * none of a folder chooser's business in web mode, where the window may be another machine's browser.
 */
export function chooserRoots(inUse: readonly string[], away?: string): string[] {
  const candidates = [os.homedir(), ...MOUNT_ROOTS, ...inUse.flatMap((folder) => [folder, path.dirname(folder)])];
  const roots = new Set<string>();
  for (const candidate of candidates) {
    if (away !== undefined && isNearUnanswering(candidate, away)) continue;
    try {
      roots.add(fs.realpathSync(candidate));
    } catch {
      // A folder that does not exist (yet) offers nothing to list.
    }
  }
  return [...roots].sort();
}

/**
 * Lists the sub-folders of `requested` (default: the first root) for the web folder chooser,
 * confined to `roots`: the path is resolved with its links first, so `..` or a link cannot lead
 * out, and only real, visible sub-folders are listed (no files, no links, no dot-folders).
 */
export function listFolders(requested: string | undefined, roots: readonly string[], away?: string): FolderListingView {
  const wanted = requested === undefined ? roots[0] : requireAbsoluteFolder(requested, 'The folder to list');
  if (wanted === undefined) fail('not-found', 'There is no folder Lifeboat may show here.');
  if (away !== undefined && isNearUnanswering(wanted, away)) {
    fail('io', `Lifeboat cannot show ${wanted} right now: the disk or server of the backup folder ${away} did not answer. Choose a folder somewhere else.`);
  }
  let real: string;
  try {
    real = fs.realpathSync(wanted);
  } catch {
    fail('not-found', `The folder ${wanted} does not exist.`);
  }
  if (!roots.some((root) => isInside(real, root))) {
    fail('invalid-argument', `Lifeboat does not show ${wanted} here: choose a folder in your home folder, on a disk under ${MOUNT_ROOTS.join(', ')}, or next to the backup folder.`);
  }
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(real, { withFileTypes: true });
  } catch {
    fail('io', `Lifeboat cannot open the folder ${real}.`);
  }
  const names = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort((a, b) => a.localeCompare(b));
  const parent = path.dirname(real);
  return {
    path: real,
    ...(parent !== real && roots.some((root) => isInside(parent, root)) ? { parent } : {}),
    folders: names.slice(0, MAX_FOLDERS).map((name) => ({ name, path: path.join(real, name) })),
    ...(names.length > MAX_FOLDERS ? { more: true } : {}),
    roots,
  };
}

/**
 * Whether `folder` is the backup folder whose disk or server did not answer, inside it, or its
 * parent (often the network mount itself). The chooser's realpath and readdir are synchronous: on
 * such a folder they would hold the main thread, and the window, until the kernel gives up — the
 * freeze BackupRootCheck exists to avoid (the sentence it shows sends the person to Choose…).
 */
function isNearUnanswering(folder: string, away: string): boolean {
  return isInside(folder, away) || folder === path.dirname(away);
}

function isInside(child: string, folder: string): boolean {
  const relative = path.relative(folder, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
