import { BackupError } from '../backup/backup-error';
import { type ExtractProgress, type ExtractResult, extractFromBackup, openBackupBrowser } from '../browser';

/**
 * Export out of a backup (issue 5): the Camera Roll, or one app's files, copied to a folder with
 * their dates — from any backup the browser opens, encrypted ones included (with the password).
 * Camera Roll originals live in CameraRollDomain under `Media/DCIM/` (protocol.md §5.8).
 */

export interface ExportOptions {
  /** For an encrypted backup; never stored or logged. */
  readonly password?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ExtractProgress) => void;
}

export interface ExportResult {
  readonly files: number;
  readonly bytes: number;
  /** Listed files whose content is not in the backup (a partial backup). */
  readonly missing: readonly string[];
  /** Where the exported folders landed. */
  readonly destinations: readonly string[];
}

const CAMERA_ROLL = { domain: 'CameraRollDomain', relativePath: 'Media/DCIM' } as const;

/** Copies the backup's Camera Roll to `<to>/DCIM/…` (e.g. `DCIM/100APPLE/IMG_0001.HEIC`), keeping modification times. */
export async function exportCameraRollFromBackup(folder: string, to: string, options: ExportOptions = {}): Promise<ExportResult> {
  const browser = await openBackupBrowser(folder, { password: options.password });
  try {
    if (!browser.entry(CAMERA_ROLL.domain, CAMERA_ROLL.relativePath) && browser.search('', { domain: CAMERA_ROLL.domain, limit: 1 }).length === 0) {
      throw new BackupError('not-found', 'This backup holds no Camera Roll (it may have been made with the Camera Roll left out).');
    }
    const result = await extractFromBackup(browser, CAMERA_ROLL, to, { signal: options.signal, onProgress: options.onProgress });
    return summarize([result]);
  } finally {
    browser.close();
  }
}

/** Copies every domain of one app (AppDomain-, AppDomainGroup-, AppDomainPlugin-<id>) to `<to>/<Domain>/…`. */
export async function exportAppFromBackup(folder: string, bundleId: string, to: string, options: ExportOptions = {}): Promise<ExportResult> {
  const browser = await openBackupBrowser(folder, { password: options.password });
  try {
    const app = browser.apps().find((candidate) => candidate.bundleId === bundleId);
    if (!app || app.domains.length === 0) throw new BackupError('not-found', `This backup holds no files of the app ${bundleId}.`);
    const results: ExtractResult[] = [];
    for (const domain of app.domains) results.push(await extractFromBackup(browser, { domain, relativePath: '' }, to, { signal: options.signal, onProgress: options.onProgress }));
    return summarize(results);
  } finally {
    browser.close();
  }
}

function summarize(results: readonly ExtractResult[]): ExportResult {
  return {
    files: results.reduce((sum, result) => sum + result.files, 0),
    bytes: results.reduce((sum, result) => sum + result.bytes, 0),
    missing: results.flatMap((result) => result.missing),
    destinations: results.map((result) => result.destination),
  };
}
