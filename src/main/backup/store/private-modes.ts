import fs from 'node:fs/promises';

/**
 * A backup holds a person's messages, contacts, health data and keychain: only its owner may
 * read it. Every folder Lifeboat makes in the store is 0700 and every file 0600 (what Finder
 * does too). Windows ignores these modes; there the user profile's ACLs protect the store.
 */
export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Tightens one entry whose permission bits (from a stat the caller already made, so a walk pays
 * no extra system call for entries that are right) differ from `mode`. Only entries that are
 * wrong are changed: on a backup made before this rule, the first run changes each file once.
 */
export async function tightenMode(target: string, currentMode: number, mode: number): Promise<boolean> {
  if (process.platform === 'win32' || (currentMode & 0o777) === mode) return false;
  await fs.chmod(target, mode);
  return true;
}

/** Makes `folder` (and missing parents) private, and tightens it if it already existed. */
export async function makePrivateFolder(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  await tightenMode(folder, (await fs.stat(folder)).mode, PRIVATE_FOLDER_MODE);
}

/**
 * Makes a backup made before backups were private (folders 0755, files 0644) private, once: a run
 * no longer clones the previous backup (which used to tighten every file on the way), so the
 * first run on such a backup walks it here. The folder's own mode tells: once it is 0700 the
 * walk is never made again, so it costs nothing per run.
 */
export async function tightenBackupOnce(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const stat = await fs.lstat(folder).catch(() => undefined);
  if (stat === undefined || !stat.isDirectory() || (stat.mode & 0o777) === PRIVATE_FOLDER_MODE) return;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) await tightenMode(full, (await fs.lstat(full)).mode, PRIVATE_FILE_MODE);
    }
    await tightenMode(dir, (await fs.lstat(dir)).mode, PRIVATE_FOLDER_MODE);
  };
  await walk(folder);
}
