import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts one of Lifeboat's TypeScript thread modules (the backup reader, the whole-file writer) in
 * each way Lifeboat runs:
 *  - bundled (the Electron main process, scripts/build-electron.ts; the benchmark's child,
 *    bench/child-bundle.ts): each thread module is bundled too, as `<name>.js` beside the bundle
 *    that starts it (THREAD_MODULES lists them for the build scripts), and loads as plain JavaScript;
 *  - from TypeScript (tsx for the CLI and `npm start`, vitest), two ways:
 *    - a module that needs only Node's built-ins and its own folder's code (the writer) is bundled
 *      once per process on this thread with esbuild (what tsx itself runs on) into CommonJS and
 *      started from that: a few milliseconds, where registering tsx inside each new thread cost
 *      0.5–2.5 s per thread (measured under load 20–30), paid by every backup a test or the CLI runs;
 *    - any other (the reader, which loads npm packages) through tsx's ESM loader registered inside
 *      the new thread (a thread does not inherit the loader of the one that made it, and `--import
 *      tsx` in execArgv registers too late for the entry module on Node 20, so a two-line bootstrap
 *      registers it, then imports the module).
 * Tests run from TypeScript too, but vitest bundles every thread module once per run
 * (test/thread-bundles-setup.ts) into a fresh folder named by PREBUILT_THREADS_ENV, tried before the
 * sources: tsx compiling the reader and HEIC modules again in every new thread cost each app core a
 * test starts about 3.8 s. A bundle there loads like a packaged one, its own threads beside it.
 * Every way the code the thread runs is the type-checked, linted module, never a hand-written string.
 */

interface ThreadModule {
  /** The source, below src/main. */
  readonly source: string;
  /** Imports nothing but Node's built-ins and Lifeboat's own code, so it can be bundled on the spot. */
  readonly selfContained: boolean;
}

/** The thread modules, by the name their bundle gets. */
export const THREAD_MODULES: Readonly<Record<string, ThreadModule>> = {
  'backup-reader-worker': { source: 'reader/backup-reader-worker.ts', selfContained: false },
  'whole-file-worker': { source: 'backup/store/whole-file-worker.ts', selfContained: true },
  'previous-listing-worker': { source: 'backup/store/previous-listing-worker.ts', selfContained: true },
  'heic-thread': { source: 'photos/heic/heic-thread.ts', selfContained: false },
};

/**
 * The one esbuild call used here. esbuild is a build tool (tsx runs on it), present wherever the
 * `.ts` sources run and not shipped with the app, so it is described here instead of imported.
 */
interface EsbuildForThreads {
  buildSync(options: { entryPoints: string[]; bundle: true; platform: 'node'; format: 'cjs'; target: string; write: false; logLevel: 'silent' }): { outputFiles: Array<{ text: string }> };
}

/** Bundles made on the spot, by source file: one build per process. */
const compiled = new Map<string, string>();

/** The module bundled into CommonJS for `new Worker(code, { eval: true })`. */
function bundleForEval(sourceFile: string): string {
  let code = compiled.get(sourceFile);
  if (code === undefined) {
    // Loaded only here: a bundled app never gets this far and does not ship esbuild.
    const esbuild = createRequire(import.meta.url)('esbuild') as EsbuildForThreads;
    const result = esbuild.buildSync({ entryPoints: [sourceFile], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    const output = result.outputFiles[0];
    if (output === undefined) throw new Error(`esbuild produced no code for ${sourceFile}.`);
    code = output.text;
    compiled.set(sourceFile, code);
  }
  return code;
}

/** The tsx ESM API's file (its `import` export), resolved from here so any working directory works. */
function tsxEsmApi(): string {
  const tsxRoot = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return pathToFileURL(path.join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
}

/**
 * The environment variable naming a folder of thread bundles (`<name>.js`) built from the current
 * sources for this run only; set by the test set-up, never by the app (a stale folder would run old code).
 */
export const PREBUILT_THREADS_ENV = 'LIFEBOAT_TEST_THREAD_BUNDLES';

/** The bundle of `name` in the folder PREBUILT_THREADS_ENV names, if there is one. */
function prebuiltThread(name: string): string | undefined {
  const folder = process.env[PREBUILT_THREADS_ENV];
  if (folder === undefined || folder === '') return undefined;
  const file = path.join(folder, `${name}.js`);
  return fs.existsSync(file) ? file : undefined;
}

/** Loader keys ride along in workerData next to the thread's own fields; thread modules ignore them. */
const TSX_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.lifeboatTsxApi).then((tsx) => { tsx.register(); return import(workerData.lifeboatThreadModule); });
`;

/**
 * Starts the thread module `name` (a key of THREAD_MODULES) that lies beside the caller:
 * `callerUrl` is the caller's `import.meta.url`, which in a bundle is the bundle's own file.
 */
export function startModuleWorker(name: keyof typeof THREAD_MODULES & string, callerUrl: string, workerData: Record<string, unknown> = {}): Worker {
  const bundled = new URL(`./${name}.js`, callerUrl);
  if (fs.existsSync(fileURLToPath(bundled))) return new Worker(bundled, { workerData });
  const prebuilt = prebuiltThread(name);
  if (prebuilt !== undefined) return new Worker(prebuilt, { workerData });
  const source = new URL(`./${name}.ts`, callerUrl);
  if (!fs.existsSync(fileURLToPath(source))) {
    throw new Error(`The ${name} thread is missing: neither ${fileURLToPath(bundled)} nor its TypeScript source was found (was the bundle built with every THREAD_MODULES entry?).`);
  }
  if (THREAD_MODULES[name]?.selfContained === true) return new Worker(bundleForEval(fileURLToPath(source)), { eval: true, workerData });
  return new Worker(TSX_BOOTSTRAP, { eval: true, workerData: { ...workerData, lifeboatTsxApi: tsxEsmApi(), lifeboatThreadModule: source.href } });
}
