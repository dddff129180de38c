import fs from 'node:fs';
import path from 'node:path';
import { isBackupError } from '../../src/main/backup/backup-error';
import { extractFromBackup, openBackupBrowser } from '../../src/main/browser';
import { inspectBackup } from '../../src/main/backup/catalog';
import { unlockBackup } from '../../src/main/backup/crypto';

/**
 * Everything Lifeboat does with a backup folder it did not write (README "Backups"): the catalog's
 * inspection with verify's size check, unlocking an encrypted one, and the browser: summary,
 * domains, apps, search, missing files, and extracting the first domains into `out`.
 */
export async function readHostileFolder(folder: string, out: string, password: string | undefined, signal?: AbortSignal): Promise<string> {
  const steps: string[] = [];
  let keys;
  if (password !== undefined) {
    try {
      keys = await unlockBackup(fs.readFileSync(path.join(folder, 'Manifest.plist')), password, signal);
      steps.push('unlocked');
    } catch (error) {
      if (!isBackupError(error) && !(error as NodeJS.ErrnoException).code) throw error;
      steps.push(`unlock refused`);
    }
  }
  const inspection = await inspectBackup(folder, { keys, checkSizes: true });
  steps.push(`inspected ${inspection.inspection.status}`);
  const browser = await openBackupBrowser(folder, { password, ...(signal ? { signal } : {}) });
  try {
    const domains = browser.domains();
    browser.apps();
    browser.search('a', { limit: 50 });
    browser.missingFiles({ exampleLimit: 5 });
    for (const domain of domains.slice(0, 3)) {
      browser.list(domain.domain);
      await extractFromBackup(browser, { domain: domain.domain, relativePath: '' }, out, signal ? { signal } : {});
    }
    steps.push(`browsed ${domains.length} domains`);
  } finally {
    browser.close();
  }
  return steps.join(', ');
}
