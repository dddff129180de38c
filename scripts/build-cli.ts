/**
 * Bundles the `lifeboat` command into plain JavaScript (dist/cli/), run by `npm ci` through the
 * `prepare` script so `npx lifeboat` starts without compiling TypeScript (tsx took ~0.4 s of every
 * start, issue 16):
 *   dist/cli/lifeboat.js               the entry (src/main/cli/main.ts); each command is a chunk of
 *                                      its own, loaded when that command runs, so `--help` loads
 *                                      almost nothing;
 *   dist/cli/<thread>.js               each thread module (THREAD_MODULES: the backup reader, the
 *                                      whole-file writer), found beside the chunk that starts it
 *                                      (src/main/backup/store/module-worker.ts);
 *   dist/cli/inputs.json               the source files the bundle was built from: bin/lifeboat.mjs
 *                                      runs the sources through tsx instead when one is newer.
 * npm packages stay external, so better-sqlite3's native addon loads from node_modules.
 * Usage: tsx scripts/build-cli.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { THREAD_MODULES } from '../src/main/backup/store/module-worker';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CLI_ENTRY = 'lifeboat';
export const CLI_INPUTS_FILE = 'inputs.json';

/** One JavaScript file of the bundle, as esbuild's metafile describes it. */
export interface CliOutput {
  /** The source module this file starts from (an entry, or a module imported dynamically). */
  readonly entryPoint?: string;
  /** What the file imports with `import` statements, so loads with it: chunks (absolute paths) and packages. */
  readonly staticImports: readonly string[];
}

export interface CliBuildResult {
  readonly entryFile: string;
  /** Every JavaScript output file (absolute path). */
  readonly outputs: ReadonlyMap<string, CliOutput>;
}

export async function buildCli(outDir: string = path.join(REPO_ROOT, 'dist', 'cli')): Promise<CliBuildResult> {
  // Chunks from an older build would pile up beside the new ones (their names carry a hash).
  fs.rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: {
      [CLI_ENTRY]: path.join(REPO_ROOT, 'src/main/cli/main.ts'),
      // Every thread module as `<name>.js`, which module-worker.ts looks for beside the chunk starting it.
      ...Object.fromEntries(Object.entries(THREAD_MODULES).map(([name, { source }]) => [name, path.join(REPO_ROOT, 'src/main', source)])),
    },
    outdir: outDir,
    // Beside the entry, not in a subfolder: module-worker.ts finds each thread next to the chunk that starts it.
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/'));
  fs.writeFileSync(path.join(outDir, CLI_INPUTS_FILE), `${JSON.stringify(inputs, null, 1)}\n`);
  const outputs = new Map<string, CliOutput>();
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    const staticImports = output.imports
      .filter((imported) => imported.kind === 'import-statement')
      .map((imported) => (imported.external ? imported.path : path.resolve(REPO_ROOT, imported.path)));
    outputs.set(path.resolve(REPO_ROOT, file), { ...(output.entryPoint ? { entryPoint: output.entryPoint } : {}), staticImports });
  }
  return { entryFile: path.join(outDir, `${CLI_ENTRY}.js`), outputs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const built = await buildCli();
  console.log(`built ${path.relative(REPO_ROOT, built.entryFile)}`);
}
