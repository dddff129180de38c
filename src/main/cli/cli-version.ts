import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `lifeboat --version`: the version in Lifeboat's package.json, found by walking up from this file,
 * which sits at src/main/cli/ when run from the sources and at dist/cli/ in the bundle.
 */
export function cliVersion(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(folder, 'package.json');
    const manifest = readManifest(candidate);
    if (manifest?.name === 'lifeboat' && typeof manifest.version === 'string') return manifest.version;
    const parent = path.dirname(folder);
    if (parent === folder) return 'unknown';
    folder = parent;
  }
}

function readManifest(file: string): { readonly name?: unknown; readonly version?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { readonly name?: unknown; readonly version?: unknown };
  } catch {
    return undefined;
  }
}
