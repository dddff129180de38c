import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository's folder, found upwards from `from` (the first holding package.json): the fuzz
 * code runs both from bench/fuzz (tsx, vitest) and from its bundle in dist/fuzz/<run>/.
 */
export function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}.`);
  }
}
