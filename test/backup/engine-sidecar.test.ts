import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR_FILE, openCatalog } from '../../src/main/backup/catalog';
import { runBackup } from '../../src/main/backup/engine';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { pairWithTool } from './engine-helpers';
import { repoRoot } from './fixture-paths';

/** The `.lifeboat.json` sidecar every successful backup leaves, as the catalog reads it. */
describe('backup sidecar', () => {
  let harness: SimHarness;
  let device: VirtualDevice;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 47 });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('a Camera-Roll-off backup shows in the catalog as made by Lifeboat, without the Camera Roll, with the bytes saved', async () => {
    const root = path.join(harness.workDir, 'backups');
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, cameraRoll: false });
    expect(result.cameraRollBytesSaved).toBeGreaterThan(0);
    const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(JSON.parse(fs.readFileSync(path.join(result.folder, SIDECAR_FILE), 'utf8'))).toEqual({
      cameraRollExcluded: true,
      cameraRollBytesSkipped: result.cameraRollBytesSaved,
      lifeboatVersion: version,
    });
    // Written atomically: no temporary file is left beside it.
    expect(fs.readdirSync(result.folder).filter((name) => name.startsWith('.lifeboat-tmp-'))).toEqual([]);

    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const [current] = catalog.list({ location: 'root' });
      expect(current).toMatchObject({ udid: device.udid, madeBy: 'lifeboat', includesCameraRoll: false, cameraRollBytesSkipped: result.cameraRollBytesSaved });
    } finally {
      catalog.close();
    }

    // With the Camera Roll on again, the next backup's sidecar says so (the old one went to the snapshot).
    const second = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    expect(JSON.parse(fs.readFileSync(path.join(second.folder, SIDECAR_FILE), 'utf8'))).toMatchObject({ cameraRollExcluded: false, cameraRollBytesSkipped: 0 });
    expect(JSON.parse(fs.readFileSync(path.join(second.previousSnapshot ?? '', SIDECAR_FILE), 'utf8'))).toMatchObject({ cameraRollExcluded: true });
  });
});
