import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** The environment variable naming the renderer build every browser test file of this run shares. */
export const RENDERER_BUILD_ENV = 'LIFEBOAT_TEST_RENDERER_DIR';

/** Builds the renderer (vite, production) into `outDir`. */
export async function buildRendererInto(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

/**
 * Vitest global set-up of the e2e project: builds the renderer once for the run (about 2.7 s of a
 * core, paid by every browser test file when each built its own) into a fresh folder under dist/,
 * named in RENDERER_BUILD_ENV for the test processes (e2e/web-helpers.ts), removed at the end. The
 * files only read it: the web bridge and the demo serve it as it is.
 */
export async function setup(project: TestProject): Promise<() => void> {
  fs.mkdirSync(path.join(REPO_ROOT, 'dist'), { recursive: true });
  const folder = fs.mkdtempSync(path.join(REPO_ROOT, 'dist', 'test-renderer-'));
  await buildRendererInto(folder);
  // In watch mode the interface is rebuilt before each rerun, so no test drives yesterday's page.
  project.onTestsRerun(() => buildRendererInto(folder));
  process.env[RENDERER_BUILD_ENV] = folder;
  return () => fs.rmSync(folder, { recursive: true, force: true });
}
