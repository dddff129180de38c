import path from 'node:path';
import { build } from 'esbuild';
import { bundleThreadModules } from '../scripts/thread-bundles';

/** The benchmark's child programs: a Lifeboat job (lifeboat-child.ts), the app core under watch (app-core-child.ts). */
export type ChildEntry = 'lifeboat-child' | 'app-core-child';

/**
 * Bundles bench/<entry>.ts into plain JavaScript (dist/bench/<entry>.mjs), the way
 * the Electron main process ships (scripts/build-electron.ts): what is measured is Lifeboat's
 * backup, not tsx compiling TypeScript at start-up (about 0.7 s of every run when it did).
 * npm packages stay external, so better-sqlite3's native addon loads from node_modules. The
 * thread modules (the upload writer's among them) are bundled beside it, where the bundle looks.
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
  // Every thread module (the app core's backup reader, the backup's upload writer) goes beside
  // the bundle, where store/module-worker.ts looks for it (as scripts/build-electron.ts lays it out).
  await bundleThreadModules(repoRoot, path.dirname(outfile));
  return outfile;
}
