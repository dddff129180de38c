import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceManager } from '../../src/main/device/manager';
import { runTool } from '../helpers/run-tool';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/**
 * Storage by category end to end: the virtual iPhone's `com.apple.disk_usage` category keys are
 * what it holds (its own usage figures), and the host turns them into Finder's categories that add
 * up to the capacity, with the same free space the rest of the app shows.
 */
describe('storage by category from the virtual iPhone', () => {
  let h: SimHarness;
  let manager: DeviceManager;

  beforeAll(async () => {
    h = await startSimHarness();
    manager = new DeviceManager({ muxAddress: h.sim.address, timeoutMs: 10_000 });
  });

  afterAll(async () => {
    manager?.stop();
    await h?.cleanup();
  });

  it('reads apps, photos, media, other and free that match the phone and add up', async () => {
    const udid = h.sim.devices()[0]!.udid;
    const phone = h.sim.device(udid).phone;
    const attached = new Promise<void>((resolve) => manager.on('attached', (device) => device.udid === udid && resolve()));
    manager.start();
    await attached;
    const paired = await manager.pair(udid, { pollIntervalMs: 20 });
    const storage = paired.summary.storage;
    const usage = phone.usage!();
    expect(usage.apps).toBeGreaterThan(0);
    expect(usage.camera).toBeGreaterThan(0);
    // Media is the phone's voicemail and its voice memos, byte for byte (nothing is left at 0 that the phone holds).
    const mediaFiles = [...phone.entries()].filter((entry) => entry.kind === 'file' && entry.domain === 'MediaDomain' && entry.relativePath.startsWith('Media/Recordings/'));
    expect(mediaFiles.length).toBeGreaterThan(0);
    expect(usage.media).toBe(mediaFiles.reduce((sum, entry) => sum + entry.size, 0));
    expect(storage).toEqual({
      totalBytes: phone.capacityBytes(),
      appsBytes: usage.apps,
      photosBytes: usage.camera + usage.photoData,
      mediaBytes: usage.voicemail + usage.media,
      otherBytes: phone.capacityBytes() - phone.freeBytes() - usage.apps - usage.camera - usage.photoData - usage.voicemail - usage.media,
      freeBytes: phone.freeBytes(),
    });
    expect(paired.summary.freeBytes).toBe(storage!.freeBytes);
    // Photos are the Camera Roll the phone holds, byte for byte.
    expect(usage.camera).toBe(phone.stats().cameraRollBytes);
    // A third-party client reads the same key from the same domain.
    const apps = await runTool('ideviceinfo', ['-u', udid, '-q', 'com.apple.disk_usage', '-k', 'MobileApplicationUsage'], h.env);
    expect(Number(apps.stdout.trim())).toBe(usage.apps);
    const media = await runTool('ideviceinfo', ['-u', udid, '-q', 'com.apple.disk_usage', '-k', 'MediaCacheUsage'], h.env);
    expect(Number(media.stdout.trim())).toBe(usage.media);
  });
});
