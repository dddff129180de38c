import path from 'node:path';
import { build } from 'esbuild';

/** The benchmark's child programs: a Lifeboat job (lifeboat-child.ts), the app core under watch (app-core-child.ts). */
export type ChildEntry = 'lifeboat-child' | 'app-core-child';

/**
 * Bundles bench/<entry>.ts into plain JavaScript (dist/bench/<entry>.mjs), the way
 * the Electron main process ships (scripts/build-electron.ts): what is measured is Lifeboat's
 * backup, not tsx compiling TypeScript at start-up (about 0.7 s of every run when it did).
 * npm packages stay external, so better-sqlite3's native addon loads from node_modules.
 */
export async function bundleLifeboatChild(repoRoot: string, entry: ChildEntry = 'lifeboat-child'): Promise<string> {
  const outfile = path.join(repoRoot, 'dist', 'bench', `${entry}.mjs`);
  await build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, 'bench', `${entry}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  if (entry === 'app-core-child') {
    // The app core reads backup folders on a worker thread, which worker-module.ts looks for as
    // backup-reader-worker.js beside the bundle (as scripts/build-electron.ts lays it out).
    await build({
      absWorkingDir: repoRoot,
      entryPoints: [path.join(repoRoot, 'src/main/backup/reader/backup-reader-worker.ts')],
      outfile: path.join(path.dirname(outfile), 'backup-reader-worker.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
  }
  return outfile;
}
