import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * Lifeboat's version from its package.json, for the `.lifeboat.json` sidecar the catalog reads to
 * tell our backups from others. Found by walking up from this module, which works from the source
 * tree (tsx), the bundled `dist/` and the packaged app alike; "unknown" if it cannot be found.
 */
export function lifeboatVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (typeof manifest === 'object' && manifest !== null && (manifest as { name?: unknown }).name === 'lifeboat') {
        const version = (manifest as { version?: unknown }).version;
        if (typeof version === 'string') cached = version;
        break;
      }
    } catch {
      // No (readable) package.json here; keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return cached;
}
