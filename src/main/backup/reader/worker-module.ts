import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts backup-reader-worker as a thread, in each way Lifeboat runs:
 *  - bundled (the Electron main process, scripts/build-electron.ts): the worker is bundled too, as
 *    `backup-reader-worker.js` beside the main bundle, and loads as plain JavaScript;
 *  - from TypeScript (tsx for the CLI and `npm start`, vitest): the `.ts` module is loaded through
 *    tsx's ESM loader registered inside the new thread (a thread does not inherit the loader of
 *    the one that made it, and `--import tsx` in execArgv registers too late for the entry module
 *    on Node 20, so a two-line bootstrap registers it, then imports the module).
 * Either way the code the thread runs is the type-checked module, not a string.
 */

const WORKER_NAME = 'backup-reader-worker';

/** The tsx ESM API's file (its `import` export), resolved from here so any working directory works. */
function tsxEsmApi(): string {
  const tsxRoot = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return pathToFileURL(path.join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
}

const TSX_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((tsx) => { tsx.register(); return import(workerData.module); });
`;

export function startReaderWorker(): Worker {
  const bundled = new URL(`./${WORKER_NAME}.js`, import.meta.url);
  if (fs.existsSync(fileURLToPath(bundled))) return new Worker(bundled);
  const source = new URL(`./${WORKER_NAME}.ts`, import.meta.url);
  return new Worker(TSX_BOOTSTRAP, { eval: true, workerData: { tsxApi: tsxEsmApi(), module: source.href } });
}
