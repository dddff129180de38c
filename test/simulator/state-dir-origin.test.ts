import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceDirectories, eraseDeviceDirectory } from '../../src/simulator/device/offline-device';
import { startSimulator } from '../../src/simulator/simulator';
import { STATE_DIR_ORIGIN_FILE, StateDirMismatchError } from '../../src/simulator/state-dir-origin';

/** Issue 14 fact 5: a state dir serves its own phones whatever --seed a restart passes or leaves out. */
describe('a simulator state dir remembers which phones it holds', () => {
  let root: string;
  let stateDir: string;
  let udid: string;
  const start = (seed?: number) =>
    startSimulator({ listen: `UNIX:${path.join(root, `mux-${Math.random().toString(16).slice(2)}.sock`)}`, stateDir, ...(seed === undefined ? {} : { seed }) });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-origin-'));
    stateDir = path.join(root, 'state');
    const sim = await start(7);
    udid = sim.devices()[0]!.udid;
    await sim.stop();
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('serves the same phone when restarted without --seed, and an erased phone stays erased', async () => {
    for (const directory of deviceDirectories(stateDir)) eraseDeviceDirectory(directory);
    const sim = await start();
    try {
      expect(sim.devices().map((device) => device.udid)).toEqual([udid]);
      expect(sim.devices()[0]!.phone.isFactoryState()).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a different --seed with a sentence that says what to do', async () => {
    const refused = start(8);
    await expect(refused).rejects.toBeInstanceOf(StateDirMismatchError);
    await expect(refused).rejects.toThrow(/--seed 7, not --seed 8\. Leave --seed out/);
    expect(fs.readdirSync(path.join(stateDir, 'devices'))).toEqual([udid]);
  });

  it('finds the seed of a state dir made before the record existed', async () => {
    fs.rmSync(path.join(stateDir, STATE_DIR_ORIGIN_FILE));
    const sim = await start();
    try {
      expect(sim.devices()[0]!.udid).toBe(udid);
    } finally {
      await sim.stop();
    }
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, STATE_DIR_ORIGIN_FILE), 'utf8'))).toEqual({ seed: 7, profile: 'small' });
  });
});
