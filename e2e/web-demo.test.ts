import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScreen } from './web-a11y';
import { rendererBuild, type RendererBuild, HAS_CHROMIUM, launchBrowser, REPO_ROOT, STEP_MS } from './web-helpers';

/** The line scripts/demo.ts prints with the one-time address to open. */
const OPEN_LINE = /Open Lifeboat: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;

/**
 * `npm run demo` on a fresh start (issue 12: "LIFEBOAT_DEMO_DIR pointing at an empty folder shows all
 * of this"): the demo script itself, started on an empty folder, prints its address; the page shows
 * the virtual iPhone, trusts it and backs it up, and the backup lands in that folder.
 */
describe.skipIf(!HAS_CHROMIUM)('npm run demo on an empty folder', () => {
  let demoDir = '';
  let renderer: RendererBuild | undefined;
  let demo: ChildProcess | undefined;
  let url = '';
  let output = '';
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

  beforeAll(async () => {
    renderer = await rendererBuild();
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-demo-'));
    const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/demo.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, LIFEBOAT_DEMO_DIR: demoDir, LIFEBOAT_DEMO_STATIC_DIR: renderer.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo = child;
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The demo printed no address within ${STEP_MS} ms:\n${output}`)), STEP_MS);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const found = OPEN_LINE.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`The demo exited (${String(code)}) before printing its address:\n${output}`)));
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo?.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    renderer?.release();
    if (demoDir) fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('starts on an empty folder, shows the virtual iPhone, trusts it and backs it up', async () => {
    expect(output).toContain(`State in ${demoDir}`);
    const page = await browser!.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(url);
    await page.getByRole('button', { name: 'Trust this computer' }).click({ timeout: STEP_MS });
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    await checkScreen(page, 'demo', 'fresh-start');
    await page.getByTestId('backup-now').click();
    await page.getByTestId('backup-row').first().waitFor({ timeout: STEP_MS * 2 });
    await page.getByTestId('last-outcome').filter({ hasText: 'finished' }).waitFor({ timeout: STEP_MS });
    await checkScreen(page, 'demo', 'backed-up');
    // The backup is a real one, in the folder the demo was given.
    const udids = fs.readdirSync(path.join(demoDir, 'backups')).filter((name) => !name.startsWith('.'));
    expect(udids).toHaveLength(1);
    expect(fs.existsSync(path.join(demoDir, 'backups', udids[0]!, 'Manifest.db'))).toBe(true);
  });
});
