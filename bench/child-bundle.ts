import path from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles bench/lifeboat-child.ts into plain JavaScript (dist/bench/lifeboat-child.mjs), the way
 * the Electron main process ships (scripts/build-electron.ts): what is measured is Lifeboat's
 * backup, not tsx compiling TypeScript at start-up (about 0.7 s of every run when it did).
 * npm packages stay external, so better-sqlite3's native addon loads from node_modules.
 */
export async function bundleLifeboatChild(repoRoot: string): Promise<string> {
  const outfile = path.join(repoRoot, 'dist', 'bench', 'lifeboat-child.mjs');
  await build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, 'bench', 'lifeboat-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}
