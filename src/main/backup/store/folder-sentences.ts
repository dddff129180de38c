/**
 * The words for a folder Lifeboat needs that is not there or cannot be opened, one wording for
 * the store, the CLI and the app's core. A folder that is not there is usually on a disk that is
 * not plugged in, and is never made again: that would put backups on the computer's own disk.
 */

/** What to do about a folder that is not there, then `otherwise` (what else will do). */
export function plugTheDiskIn(otherwise: string): string {
  return `If it is on a disk, plug the disk in; ${otherwise}`;
}

/** EACCES or EPERM: the folder is there, but this user account may not use it (owner or permissions changed, macOS privacy settings). */
export const GIVE_PERMISSION = 'Give your user account permission to read and write it (on a Mac, allow Lifeboat in Privacy & Security if it asks for Full Disk Access)';

/** EIO: the disk answered with an error of its own (a failing disk, a loose cable). */
export const CHECK_THE_DISK = 'Check the disk and its cable (a disk check may tell more)';
