import { PREBUILT_THREADS_ENV } from '../../src/main/backup/store/module-worker';

/**
 * Makes this test file start thread modules from their TypeScript sources (tsx, or esbuild on the
 * spot for the writer), as the CLI under tsx and `npm start` do, instead of from the bundles the
 * test set-up made for the run (test/thread-bundles-setup.ts): a few files keep that path tested.
 * Each test file runs in its own process, so the others keep the bundles.
 */
export function startThreadsFromSources(): void {
  delete process.env[PREBUILT_THREADS_ENV];
}
