import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PREBUILT_THREADS_ENV, THREAD_MODULES } from '../../src/main/backup/store/module-worker';

/**
 * The run's thread bundles (test/thread-bundles-setup.ts) are there for every thread module, so the
 * test processes start threads from them instead of compiling each with tsx (seconds per app core).
 */
it('the test run names a folder holding a bundle of every thread module', () => {
  const folder = process.env[PREBUILT_THREADS_ENV];
  expect(folder, `${PREBUILT_THREADS_ENV} is set by vitest's global set-up`).toBeTruthy();
  for (const name of Object.keys(THREAD_MODULES)) expect(fs.existsSync(path.join(folder as string, `${name}.js`)), name).toBe(true);
});
