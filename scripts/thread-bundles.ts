import path from 'node:path';
import { build } from 'esbuild';
import { THREAD_MODULES } from '../src/main/backup/store/module-worker';

/**
 * Bundles every thread module (THREAD_MODULES) into `outdir` as `<name>.js`, ESM with npm packages
 * left external: the layout store/module-worker.ts expects beside a bundle, so a thread that starts
 * another (the reader's upload writer) finds it next to itself. `outdir` must lie inside the
 * repository so the external packages (better-sqlite3's native addon) resolve from node_modules.
 */
export async function bundleThreadModules(repoRoot: string, outdir: string, target = 'node20'): Promise<void> {
  await Promise.all(Object.entries(THREAD_MODULES).map(([name, { source }]) => build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(repoRoot, 'src', 'main', source)],
    outfile: path.join(outdir, `${name}.js`),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target,
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  })));
}
