import { defineConfig } from 'vitest/config';

export const TEST_TIMEOUT_MS = 120_000;

// One runner for unit, integration (virtual iPhone + libimobiledevice) and e2e tests.
// The summary reporter prints the plain "N passed, N failed" line CI reads.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
  },
});
