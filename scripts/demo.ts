/**
 * `npm run demo`: a virtual iPhone (src/simulator, profile `small`) plus the app core and the web
 * bridge, so the whole UI can be tried in a browser without a phone. State lives in `.tmp/demo`
 * (kept between runs: pairing and backups survive a restart; delete the folder to start over).
 * This is the only product-side file allowed to import the simulator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore } from '../src/main/core/app-core';
import { startWebBridge } from '../src/main/web';
import { startSimulator } from '../src/simulator/simulator';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.resolve(process.env.LIFEBOAT_DEMO_DIR ?? path.join(repoRoot, '.tmp', 'demo'));
// LIFEBOAT_DEMO_STATIC_DIR: a renderer built elsewhere (the e2e test builds its own, as parallel builds into dist/ collide).
const staticDir = path.resolve(process.env.LIFEBOAT_DEMO_STATIC_DIR ?? path.join(repoRoot, 'dist', 'renderer'));
fs.mkdirSync(stateDir, { recursive: true });

const sim = await startSimulator({
  listen: '127.0.0.1:0',
  stateDir: path.join(stateDir, 'simulator'),
  profile: 'small',
  seed: 1,
  devices: 1,
  trust: 'accept',
});
const core = await createAppCore({
  muxAddress: sim.address,
  backupRoot: path.join(stateDir, 'backups'),
  settingsPath: path.join(stateDir, 'settings.json'),
  mode: 'web',
  log: (line) => console.error(line),
});
const bridge = await startWebBridge({ core, staticDir, port: Number(process.env.LIFEBOAT_DEMO_PORT ?? 0) });

if (!fs.existsSync(path.join(staticDir, 'index.html'))) console.warn('The interface is not built: run `npm run build:web` first.');
console.log(`Virtual iPhone ${sim.devices()[0]?.udid} on ${sim.address}`);
console.log(`State in ${stateDir}`);
console.log(`\nOpen Lifeboat: ${bridge.url}\n`);
console.log('Press Ctrl+C to stop.');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await bridge.close();
  await core.close();
  await sim.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
