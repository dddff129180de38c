/**
 * Bundles the Electron main process and the preload with esbuild (installed as vite's dependency):
 *   dist/main/electron/main.js  ESM (package.json says "type": "module"; Electron ≥ 28 loads ESM
 *                               mains). npm packages stay external, so better-sqlite3's native
 *                               addon loads from node_modules (unpacked from the asar when packaged).
 *   dist/main/electron/backup-reader-worker.js, whole-file-worker.js  the threads backup folders
 *                               are read on and uploads written on (THREAD_MODULES of
 *                               src/main/backup/store/module-worker.ts, looked for beside the main bundle).
 *   dist/preload/preload.cjs    CommonJS, everything inlined but `electron`: a sandboxed preload can
 *                               neither load ES modules nor require node_modules. Built for the
 *                               browser platform so a Node built-in sneaking in fails the build.
 * Usage: tsx scripts/build-electron.ts [main|preload]   (both when no argument)
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { THREAD_MODULES } from '../src/main/backup/store/module-worker';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type ElectronBuildTarget = 'main' | 'preload';

export interface ElectronBuildOptions {
  /** Where `main/electron/main.js` and `preload/preload.cjs` go; default dist/. */
  readonly outRoot?: string;
  readonly targets?: readonly ElectronBuildTarget[];
}

export interface ElectronBuildResult {
  readonly mainFile?: string;
  readonly preloadFile?: string;
}

const COMMON: BuildOptions = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none', absWorkingDir: REPO_ROOT };

export async function buildElectron(options: ElectronBuildOptions = {}): Promise<ElectronBuildResult> {
  const outRoot = options.outRoot ?? path.join(REPO_ROOT, 'dist');
  const targets = options.targets ?? ['main', 'preload'];
  const result: { mainFile?: string; preloadFile?: string } = {};
  if (targets.includes('main')) {
    result.mainFile = path.join(outRoot, 'main', 'electron', 'main.js');
    await build({
      ...COMMON,
      entryPoints: [path.join(REPO_ROOT, 'src/main/electron/main.ts')],
      outfile: result.mainFile,
      platform: 'node',
      format: 'esm',
      // Electron 41 runs Node 22 or newer.
      target: 'node22',
      packages: 'external',
      external: ['electron'],
    });
    for (const [name, { source }] of Object.entries(THREAD_MODULES)) {
      await build({
        ...COMMON,
        entryPoints: [path.join(REPO_ROOT, 'src/main', source)],
        outfile: path.join(path.dirname(result.mainFile), `${name}.js`),
        platform: 'node',
        format: 'esm',
        target: 'node22',
        packages: 'external',
      });
    }
  }
  if (targets.includes('preload')) {
    result.preloadFile = path.join(outRoot, 'preload', 'preload.cjs');
    await build({
      ...COMMON,
      entryPoints: [path.join(REPO_ROOT, 'src/preload/preload.ts')],
      outfile: result.preloadFile,
      platform: 'browser',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
    });
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const wanted = process.argv.slice(2).filter((arg): arg is ElectronBuildTarget => arg === 'main' || arg === 'preload');
  const unknown = process.argv.slice(2).filter((arg) => arg !== 'main' && arg !== 'preload');
  if (unknown.length > 0) {
    console.error(`Unknown build target ${unknown.join(', ')}: use main, preload or nothing for both.`);
    process.exit(2);
  }
  const built = await buildElectron(wanted.length > 0 ? { targets: wanted } : {});
  for (const file of [built.mainFile, built.preloadFile]) if (file) console.log(`built ${path.relative(REPO_ROOT, file)}`);
}
