import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../backup/store/module-worker';

/** Starts backup-reader-worker.ts as a thread, bundled or from TypeScript (store/module-worker.ts). */
export function startReaderWorker(): Worker {
  return startModuleWorker('backup-reader-worker', import.meta.url);
}
