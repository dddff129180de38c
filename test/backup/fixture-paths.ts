import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Backups made outside this project, read in place and never modified (../shared/fixtures/README.md). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = path.resolve(repoRoot, '..', 'shared', 'fixtures');
export const encryptedFixture = path.join(fixturesDir, 'pyiosbackup-encrypted');
export const mvtFixture = path.join(fixturesDir, 'mvt-ios-backup');
export const haveFixtures = fs.existsSync(encryptedFixture) && fs.existsSync(mvtFixture);
export const missingFixturesNote = `The shared backup fixtures are not at ${fixturesDir}; these tests are skipped.`;

/**
 * Names, sizes and modification times of every file under `dir`, to prove a test left it untouched.
 * SQLite's `-shm`/`-wal` side files are left out: other suites that open the fixture's database in
 * place may touch them while these tests run.
 */
export function treeFingerprint(dir: string): string {
  const lines: string[] = [];
  const walk = (current: string): void => {
    for (const item of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (/-(shm|wal)$/.test(item.name)) continue;
      const full = path.join(current, item.name);
      const stat = fs.lstatSync(full);
      lines.push(`${path.relative(dir, full)} ${stat.size} ${stat.mtimeMs}`);
      if (item.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return lines.join('\n');
}
