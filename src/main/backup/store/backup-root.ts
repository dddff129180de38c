import os from 'node:os';
import path from 'node:path';

/** Environment variable that moves the backup root (the CLI's `--backup-root` wins over it). */
export const BACKUP_ROOT_ENV = 'LIFEBOAT_BACKUP_ROOT';

/**
 * The folder that holds one `<UDID>` folder per device (protocol.md §5.1).
 *
 * On macOS and Windows this is where Finder/iTunes keep their backups, so Lifeboat and Apple's
 * tools see the same backups. Linux has no Apple default; Lifeboat uses
 * `~/.local/share/Lifeboat/Backup` (XDG_DATA_HOME is honoured).
 */
export function defaultBackupRoot(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'MobileSync', 'Backup');
  if (platform === 'win32') {
    const appData = env.APPDATA ?? path.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'Apple Computer', 'MobileSync', 'Backup');
  }
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(dataHome, 'Lifeboat', 'Backup');
}

/** The backup root: an explicit option, then `LIFEBOAT_BACKUP_ROOT`, then the platform default. */
export function resolveBackupRoot(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = option?.trim() || env[BACKUP_ROOT_ENV]?.trim();
  return chosen ? path.resolve(chosen) : defaultBackupRoot(process.platform, env);
}
