import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PREBUILT_THREADS_ENV } from '../src/main/backup/store/module-worker';
import { bundleThreadModules } from '../scripts/thread-bundles';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Vitest global set-up: bundles the thread modules once for this run into a fresh folder and names
 * it in PREBUILT_THREADS_ENV, which the test processes inherit (store/module-worker.ts). Without it
 * every app core a test starts compiled the reader and HEIC threads with tsx again (~3.8 s each).
 * The folder lies under dist/ (inside the repository, so npm packages resolve) and is removed at
 * the end; in watch mode it is rebuilt before each rerun, so threads never run yesterday's code.
 */
export async function setup(project: TestProject): Promise<() => void> {
  // Each project (unit, e2e) runs the set-up: the first one's folder serves both.
  const made = process.env[PREBUILT_THREADS_ENV];
  if (made !== undefined && fs.existsSync(made)) return () => undefined;
  fs.mkdirSync(path.join(REPO_ROOT, 'dist'), { recursive: true });
  const folder = fs.mkdtempSync(path.join(REPO_ROOT, 'dist', 'test-threads-'));
  await bundleThreadModules(REPO_ROOT, folder);
  project.onTestsRerun(() => bundleThreadModules(REPO_ROOT, folder));
  process.env[PREBUILT_THREADS_ENV] = folder;
  return () => fs.rmSync(folder, { recursive: true, force: true });
}
