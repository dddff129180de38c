import { defineConfig } from 'vitest/config';

export const TEST_TIMEOUT_MS = 120_000;

// One runner for unit, integration (virtual iPhone + libimobiledevice) and e2e tests.
// The browser e2e files each drive Chromium against a virtual iPhone: they run after everything else,
// one at a time, so two cores are not shared by two browsers and the rest of the suite at once.
// The summary reporter prints the plain "N passed, N failed" line CI reads.
export default defineConfig({
  test: {
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    // Memory lent out of the socket's reused read buffers is overwritten when its loan ends, so a
    // piece used after its synchronous callback fails a test (src/main/device/codec/read-buffer-pool.ts).
    env: { LIFEBOAT_POISON_LENT_MEMORY: '1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          sequence: { groupOrder: 0 },
          // The thread modules bundled once per run instead of compiled by tsx in every thread (module-worker.ts).
          globalSetup: ['./test/thread-bundles-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          // The same thread bundles, and one renderer build for every browser file.
          globalSetup: ['./test/thread-bundles-setup.ts', './e2e/renderer-build.ts'],
          // The virtual iPhone derives backup-password keys with 1 000 rounds, as the unit files that
          // encrypt already ask (LIFEBOAT_SIM_KDF_ITERATIONS, src/simulator/services/mobilebackup2/backup-crypto.ts):
          // a real phone's 10 000 000 SHA-256 rounds (protocol.md §6.1) cost seconds of a shared core at every
          // password set, backup, check and restore, and the browser files test the prompt, not the
          // derivation (real rounds: test/backup/unlock-cancel.test.ts, untrusted-reader.test.ts).
          env: { LIFEBOAT_POISON_LENT_MEMORY: '1', LIFEBOAT_SIM_KDF_ITERATIONS: '1000' },
        },
      },
    ],
  },
});
