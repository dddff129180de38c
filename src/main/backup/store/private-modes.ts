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
