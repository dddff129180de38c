import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/main/backup/catalog';
import { runBackup } from '../../src/main/backup/engine';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { isAfcControl, pairWithTool } from './engine-helpers';

/**
 * The catalog over backups Lifeboat's own engine made of the virtual iPhone: the current backup
 * and the snapshot the next run leaves behind, sharing unchanged files through hard links.
 */
describe('catalog of backups made by the Lifeboat engine', () => {
  let harness: SimHarness;
  let device: VirtualDevice;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 31 });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('lists the current backup and its snapshot, counts shared files once, and verifies both', async () => {
    const root = path.join(harness.workDir, 'backups');
    // Captures, as the catalog counts them: a Live Photo's .MOV (beside its .HEIC), IMG_E renders, .AAE edits and .MISC are not photos of their own.
    const photosOnPhone = (): number => {
      const roll = new Set([...device.phone.entries()].filter((entry) => entry.kind === 'file' && entry.domain === 'CameraRollDomain').map((entry) => entry.relativePath));
      return [...roll].filter((file) => /^Media\/DCIM\/\d{3}APPLE\/IMG_\d{4}\.(HEIC|JPG|PNG|MOV)$/.test(file) && !(file.endsWith('.MOV') && roll.has(file.replace(/MOV$/, 'HEIC')))).length;
    };
    const filesOnPhone = (): number => [...device.phone.entries()].filter((entry) => entry.kind === 'file' && !isAfcControl(entry.relativePath)).length;
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    const beforeSecond = openCatalog(root);
    await beforeSecond.refresh();
    const firstBackup = beforeSecond.list({ location: 'root' })[0];
    beforeSecond.close();
    const firstPhotos = photosOnPhone();
    const firstFiles = filesOnPhone();
    await changePhone(device.phone, { seed: 5, addPhotos: 1 });
    const second = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, cameraRoll: false });
    expect(second.previousSnapshot).toBeDefined();

    const catalog = openCatalog(root);
    try {
      // The current backup was catalogued after the first run (same folder, new contents); the snapshot is new.
      expect(await catalog.refresh()).toMatchObject({ added: 1, updated: 1 });
      const current = catalog.list({ location: 'root' })[0];
      const snapshot = catalog.list({ location: 'snapshot' })[0];
      if (!current || !snapshot) throw new Error('expected a current backup and a snapshot');
      expect(current).toMatchObject({ udid: device.udid, status: 'complete', photoCount: 0, path: fs.realpathSync(second.folder) });
      expect(current.includesCameraRoll).not.toBe(true);
      expect(snapshot).toMatchObject({ udid: device.udid, snapshotOf: device.udid, status: 'complete', photoCount: firstPhotos, fileCount: firstFiles, includesCameraRoll: true });
      expect(snapshot.path).toBe(fs.realpathSync(second.previousSnapshot ?? ''));
      expect(catalog.list().map((item) => item.id)).toEqual([current.id, snapshot.id]);

      const together = catalog.totalBytes({ udid: device.udid });
      // A reverse-delta snapshot holds only what the newer backup replaced or removed: nothing is
      // shared, so the two together are exactly their sum (README "How snapshots work").
      expect(together).toBe(current.sizeBytes + snapshot.sizeBytes);
      expect(together).toBeGreaterThanOrEqual(Math.max(current.sizeBytes, snapshot.sizeBytes));
      // The snapshot alone holds the photos the current backup left out, so deleting it frees at least those.
      expect(snapshot.reclaimableBytes).toBeGreaterThan(0);
      expect(snapshot.reclaimableBytes).toBe(snapshot.sizeBytes);
      // Its size as a person means it (what a restore puts back) is the whole first backup, read
      // through the chain, not the few changed files it keeps on disk; the current backup holds all its own.
      expect(firstBackup?.contentBytes).toBe(firstBackup?.sizeBytes);
      expect(snapshot.contentBytes).toBe(firstBackup?.contentBytes);
      expect(snapshot.contentBytes).toBeGreaterThan(snapshot.sizeBytes);
      expect(current.contentBytes).toBe(current.sizeBytes);

      expect(await catalog.verify(current.id)).toMatchObject({ ok: true, missingCount: 0, wrongSizeCount: 0 });
      expect(await catalog.verify(snapshot.id)).toMatchObject({ ok: true, checkedFiles: firstFiles, missingCount: 0, wrongSizeCount: 0 });
    } finally {
      catalog.close();
    }
  });
});
