/**
 * The words for a folder Lifeboat needs that is not there or cannot be opened, one wording for
 * the store, the CLI and the app's core. A folder that is not there is usually on a disk that is
 * not plugged in, and is never made again: that would put backups on the computer's own disk.
 */

import { BackupError } from '../backup-error';

/** What to do about a folder that is not there, then `otherwise` (what else will do). */
export function plugTheDiskIn(otherwise: string): string {
  return `If it is on a disk, plug the disk in; ${otherwise}`;
}

/** EACCES or EPERM: the folder is there, but this user account may not use it (owner or permissions changed, macOS privacy settings). */
export const GIVE_PERMISSION = 'Give your user account permission to read and write it (on a Mac, allow Lifeboat in Privacy & Security if it asks for Full Disk Access)';

/** EIO: the disk answered with an error of its own (a failing disk, a loose cable). */
export const CHECK_THE_DISK = 'Check the disk and its cable (a disk check may tell more)';

/** What the sentence for a backup folder that cannot be opened says beside why (unusableBackupFolder). */
export interface FolderUse {
  /** Why the folder was wanted, after the folder is named: ", and reading this earlier backup needs a copy of it made there". */
  readonly need: string;
  /** What to do, besides plugging a disk in, when it is not there: only a folder a backup makes may say a backup makes it. */
  readonly otherwise: string;
  /** How to use another folder, for a path that cannot be one: "choose another backup folder". */
  readonly another: string;
  /** Said first, such as `"x" is not a backup folder. ` (with its trailing space). */
  readonly before?: string;
  /** Said last, such as " Nothing was written." (with its leading space). */
  readonly after?: string;
}

/**
 * Why a backup folder cannot be opened, by the code stat or realpath gave: a folder that is not
 * there, a path through a file, one this account may not open, a disk that fails, a link that
 * loops each have their own sentence. "Is not there" said of a folder that is there (existsSync is
 * false for EACCES, ELOOP, EIO too) sent people looking for it. `not-found` only for ENOENT.
 */
export function unusableBackupFolder(folder: string, error: unknown, use: FolderUse): BackupError {
  const code = (error as NodeJS.ErrnoException).code;
  const said = (sentence: string, kind: 'io' | 'not-found' = 'io') => new BackupError(kind, `${use.before ?? ''}${sentence}${use.after ?? ''}`, { cause: error });
  switch (code) {
    case 'ENOENT':
      return said(`The backup folder ${folder} is not there${use.need}. ${plugTheDiskIn(use.otherwise)}`, 'not-found');
    case 'ENOTDIR':
      // A backup would not make it either: a folder cannot be made below a file.
      return said(`Part of the path to the backup folder ${folder} is a file, not a folder${use.need}. Move or rename that file, or ${use.another}.`);
    case 'EACCES':
    case 'EPERM':
      return said(`Lifeboat is not allowed to open the backup folder ${folder}${use.need}. ${GIVE_PERMISSION}.`);
    case 'EIO':
      return said(`The disk that holds the backup folder ${folder} reported an error when Lifeboat looked at it${use.need}. ${CHECK_THE_DISK}.`);
    case 'ELOOP':
      // The loop may be the folder itself or any folder on the way to it: realpath does not say which.
      return said(`A symbolic link on the way to the backup folder ${folder} (the folder itself or one it is in) leads back to itself or through too many links: it cannot be opened${use.need}. Replace that link with a folder, or a link to one, or ${use.another}.`);
    default:
      return said(`The backup folder ${folder} cannot be opened (${code ?? (error as Error).message})${use.need}.`);
  }
}
