import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { locateElectronBinary } from '../../src/main/electron/electron-binary';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasBinary = locateElectronBinary(REPO_ROOT).found;

/** `npm start` where Electron could not be downloaded: a clear refusal, before any build work. */
describe.skipIf(hasBinary)('npm start without the Electron binary', () => {
  it('exits 1 saying the binary is missing and pointing at npm run demo', () => {
    const env = { ...process.env };
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'start-electron.ts')], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Cannot start the Lifeboat desktop app: The Electron binary is not installed');
    expect(result.stderr).toContain('npm run demo');
  });
});
