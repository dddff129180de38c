/**
 * `npm start`: checks that the Electron binary exists (it cannot be downloaded everywhere; then it
 * says so and points at `npm run demo`), builds the renderer, main and preload, and runs the app.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { locateElectronBinary } from '../src/main/electron/electron-binary';
import { buildElectron, REPO_ROOT } from './build-electron';

const binary = locateElectronBinary(REPO_ROOT);
if (!binary.found) {
  console.error(`Cannot start the Lifeboat desktop app: ${binary.reason}`);
  process.exit(1);
}

const { build } = await import('vite');
await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
await buildElectron();

const child = spawn(binary.executablePath, [REPO_ROOT, ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (error) => {
  console.error(`Cannot start Electron (${binary.executablePath}): ${error.message}`);
  process.exit(1);
});
