import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { openCatalog } from '../../src/main/backup/catalog';
import { listSnapshots, runBackup } from '../../src/main/backup/engine';
import { snapshotFolderName, storeLayout, writeJournal } from '../../src/main/backup/store';
import { assessErasedPhone, FACTORY_PHOTO_LIMIT, findRestoreCandidates, preflightRestore, runRestore, type RestoreProgress } from '../../src/main/restore';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { hashTree, pairWithTool } from '../backup/engine-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { digestOf, eraseAndPair, expectPhoneEqualsGenerated } from './restore-helpers';

const SEED = 23;

/** Back up with runBackup, erase the virtual iPhone, restore with runRestore: the phone comes back equal. */
describe('runRestore against the virtual iPhone', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;
  let folder: string;
  /** The phone as the second (current) backup holds it. */
  let changedDigest: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: SEED });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    folder = result.folder;
  }, 120_000);

  afterAll(async () => {
    await harness?.cleanup();
  });

  /** A phone unplugged by a fault comes back on its own (replugAfterMs); the next step needs it there. */
  const waitUntilAttached = (): Promise<void> => vi.waitFor(() => expect(device.isAttached()).toBe(true), { timeout: 5_000, interval: 20 });

  const restore = (options: Parameters<typeof runRestore>[0] = {}): ReturnType<typeof runRestore> =>
    runRestore({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, systemFiles: true, settings: true, ...options });

  it('finds the backups holding an erased phone\'s photos, newest first', async () => {
    await eraseAndPair(harness, device);
    const assessment = await assessErasedPhone(device.udid, { backupRoot: root, muxAddress: harness.sim.address });
    expect(assessment.photosOnPhone).toBe(0);
    expect(assessment.looksErased).toBe(true);
    expect(assessment.candidates.map((candidate) => candidate.path)).toEqual([folder]);
    expect(assessment.candidates[0]?.photoCount).toBeGreaterThan(0);
  });

  it('restores the erased phone to exactly what was backed up, follows its reboot, and leaves the backup byte-identical', async () => {
    const before = hashTree(folder);
    const events: RestoreProgress[] = [];
    let sawDetach = false;
    const watch = setInterval(() => {
      if (!device.isAttached()) sawDetach = true;
    }, 5);
    let result;
    try {
      result = await restore({ onProgress: (progress) => events.push(progress) });
    } finally {
      clearInterval(watch);
    }
    expect(result.rebooted).toBe(true);
    expect(sawDetach).toBe(true);
    expect(device.isAttached()).toBe(true);
    expect(result.filesSent).toBeGreaterThan(50);
    await expectPhoneEqualsGenerated(harness, device, SEED, 'lifeboat');
    expect(hashTree(folder)).toEqual(before);
    expect(fs.readdirSync(root).filter((name) => name.startsWith(`${device.udid}-`))).toEqual([]);
    const phases = events.map((event) => event.phase);
    expect(phases).toContain('restoring');
    expect(phases.indexOf('rebooting')).toBeGreaterThan(phases.indexOf('restoring'));
    const last = events[events.length - 1] as RestoreProgress;
    expect(last).toMatchObject({ phase: 'done', percent: 100, filesDone: result.filesSent });
    expect(last.bytesDone).toBe(result.bytesSent);
    expect(events.some((event) => event.phase === 'restoring' && event.filesDone > 0 && event.percent > 0 && event.percent < 100)).toBe(true);
    // The percent never goes back, and the restart is the whole job done (100 %), not "99 %".
    const percents = events.map((event) => event.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(events.find((event) => event.phase === 'rebooting')?.percent).toBe(100);
  });

  it('counts the restored phone\'s photos and videos as the backup\'s are counted: they are back, so no backup is offered', async () => {
    const assessment = await assessErasedPhone(device.udid, { backupRoot: root, muxAddress: harness.sim.address });
    const inBackup = assessment.candidates[0]?.photoCount;
    // More than the old cap on the phone's count (FACTORY_PHOTO_LIMIT + 1 files), so a cap would show.
    expect(inBackup).toBeGreaterThan(FACTORY_PHOTO_LIMIT + 1);
    expect(assessment.photosOnPhone).toBe(inBackup);
    expect(assessment.looksErased).toBe(false);
    expect(assessment.recommendedId).toBeUndefined();
  });

  it('restores an older snapshot onto the phone (its <UDID>/… paths mapped onto the snapshot folder)', async () => {
    await changePhone(device.phone, { seed: 5, addPhotos: 3, modifyFiles: 2, deleteFiles: 2 });
    changedDigest = await digestOf(device);
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    const snapshot = (await listSnapshots(root, device.udid)).find((item) => !item.isCurrent);
    if (!snapshot) throw new Error('the second backup left no snapshot of the first');
    const before = hashTree(snapshot.path);
    const current = hashTree(folder);
    await eraseAndPair(harness, device);
    await restore({ backup: snapshot.path, reboot: false });
    await expectPhoneEqualsGenerated(harness, device, SEED, 'snapshot');
    expect(hashTree(snapshot.path)).toEqual(before);
    expect(hashTree(folder)).toEqual(current);
    // And the current backup brings the later state back.
    await restore({ reboot: false });
    expect(await digestOf(device)).toBe(changedDigest);
  });

  it('restores an archived copy named by its catalog id, leaving it untouched', async () => {
    const catalog = openCatalog(root);
    let archived;
    try {
      await catalog.refresh();
      const current = catalog.list({ udid: device.udid, location: 'root', archived: false })[0];
      if (!current) throw new Error('the catalog does not list the current backup');
      archived = await catalog.archive(current.id);
    } finally {
      catalog.close();
    }
    expect(path.basename(archived.path)).toMatch(new RegExp(`^${device.udid}-\\d{8}-\\d{6}$`));
    const before = hashTree(archived.path);
    await eraseAndPair(harness, device);
    const result = await restore({ backup: archived.id, reboot: false });
    expect(result.backupFolder).toBe(archived.path);
    expect(hashTree(archived.path)).toEqual(before);
    expect(await digestOf(device)).toBe(changedDigest);
  });

  it('cancels mid-restore with a sentence and leaves the backup byte-identical', async () => {
    const before = hashTree(folder);
    const controller = new AbortController();
    const error = await restore({
      reboot: false,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.filesDone >= 5) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'cancelled')).toBe(true);
    expect((error as Error).message).toMatch(/The restore was cancelled\. The backup itself was not changed/);
    expect(hashTree(folder)).toEqual(before);
    // The phone may still be writing files it had received; once it says it is idle, it stays still.
    // A still phone can only be shown by letting time pass: the one deliberate wait of this file.
    const settled = await digestOf(device);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await digestOf(device)).toBe(settled);
    await waitUntilAttached();
  });

  it('stops before anything is written when Find My is on, with the sentence to turn it off', async () => {
    const phoneBefore = await digestOf(device);
    const backupBefore = hashTree(folder);
    device.settings.update({ findMyEnabled: true });
    try {
      // The phone reports Find My in lockdown (com.apple.fmip), so the check happens before the restore starts.
      const report = await preflightRestore({ udid: device.udid, muxAddress: harness.sim.address, backup: folder });
      expect(report).toMatchObject({ ok: false, findMyEnabled: true });
      const error = await restore({ reboot: false }).catch((caught: unknown) => caught);
      expect(isBackupError(error)).toBe(true);
      expect((error as Error).message).toMatch(/Find My iPhone is on\. Turn it off/);
    } finally {
      device.settings.update({ findMyEnabled: false });
    }
    expect(await digestOf(device)).toBe(phoneBefore);
    expect(hashTree(folder)).toEqual(backupBefore);
  });

  it('refuses a backup from a newer iOS before touching the phone', async () => {
    const newer = path.join(harness.workDir, 'newer', device.udid);
    fs.cpSync(folder, newer, { recursive: true });
    const { decodePlist, encodePlist, isPlistDict } = await import('../../src/main/device/codec');
    const manifestPath = path.join(newer, 'Manifest.plist');
    const manifest = decodePlist(fs.readFileSync(manifestPath));
    if (!isPlistDict(manifest) || !isPlistDict(manifest.Lockdown)) throw new Error('Manifest.plist without Lockdown');
    fs.writeFileSync(manifestPath, encodePlist({ ...manifest, Lockdown: { ...manifest.Lockdown, ProductVersion: '99.1' } }, 'binary'));
    const phoneBefore = await digestOf(device);
    const report = await preflightRestore({ udid: device.udid, muxAddress: harness.sim.address, backup: newer });
    expect(report).toMatchObject({ ok: false, versionCompatible: false, backupProductVersion: '99.1', encrypted: false, needsPassword: false });
    expect(report.problems.map((problem) => problem.code)).toEqual(['unsupported']);
    expect((await preflightRestore({ udid: device.udid, muxAddress: harness.sim.address, backupRoot: root })).ok).toBe(true);
    const error = await restore({ backup: newer, reboot: false }).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'unsupported')).toBe(true);
    expect((error as Error).message).toMatch(/made with iOS 99\.1, but the iPhone runs iOS \d+/);
    expect(await digestOf(device)).toBe(phoneBefore);
  });

  it('refuses when the phone has too little room, before touching it', async () => {
    const phoneBefore = await digestOf(device);
    device.setFaults({ deviceFreeBytes: 1000 });
    try {
      const error = await restore({ reboot: false }).catch((caught: unknown) => caught);
      expect(isBackupError(error, 'device-error')).toBe(true);
      expect((error as Error).message).toMatch(/does not have room for this backup/);
    } finally {
      device.setFaults({ deviceFreeBytes: undefined });
    }
    expect(await digestOf(device)).toBe(phoneBefore);
  });

  it('finds the phone\'s backup when its UDID is typed in lower case without the dash', async () => {
    // usbmux matches the phone either way; the backup folder has the phone's own spelling.
    device.setFaults({ deviceFreeBytes: 1000 });
    try {
      const error = await restore({ udid: device.udid.replace(/-/g, '').toLowerCase(), reboot: false }).catch((caught: unknown) => caught);
      // The free-space check needs the backup's size: reaching it means the backup was found and read.
      expect((error as Error).message).toMatch(/does not have room for this backup/);
    } finally {
      device.setFaults({ deviceFreeBytes: undefined });
    }
  });

  it('leaves the backup byte-identical when the cable is pulled mid-restore', async () => {
    const before = hashTree(folder);
    device.setFaults({ unplugAfterFiles: 15, replugAfterMs: 200 });
    let error: unknown;
    try {
      error = await restore({ reboot: false }).catch((caught: unknown) => caught);
    } finally {
      device.setFaults({ unplugAfterFiles: undefined, replugAfterMs: undefined });
    }
    expect(isBackupError(error, 'disconnected')).toBe(true);
    expect((error as Error).message).toMatch(/connection to the iPhone was lost during the restore.*The backup itself was not changed/);
    expect(hashTree(folder)).toEqual(before);
    // Plugged back in, the same backup restores fully.
    await waitUntilAttached();
    await restore({ reboot: false });
    expect((await findRestoreCandidates(device.udid, { backupRoot: root })).length).toBeGreaterThan(0);
  });

  it('gives up on a phone that goes silent mid-restore, with a sentence, the backup byte-identical', async () => {
    const before = hashTree(folder);
    device.setFaults({ silentAfterFiles: 10 });
    let error: unknown;
    try {
      error = await restore({ reboot: false, idleTimeoutMs: 400 }).catch((caught: unknown) => caught);
    } finally {
      device.setFaults({ silentAfterFiles: undefined });
    }
    expect(isBackupError(error, 'timeout')).toBe(true);
    expect((error as Error).message).toMatch(/^The iPhone stopped responding: nothing arrived from it for 400 ms, so the restore was stopped\. The backup itself was not changed\./);
    expect(hashTree(folder)).toEqual(before);
  });

  it('finishes a commit that crashed between its two renames before it lists candidates or restores', async () => {
    // The state a crash leaves: the journal written, the current backup moved to its snapshot,
    // the complete new one still in staging (here a copy of the current one).
    // Each crash names its snapshot a different day back: two crashes in one second must not collide.
    const crash = async (daysAgo: number): Promise<Map<string, string>> => {
      const layout = storeLayout(root);
      const staging = layout.staging(device.udid, `crashed-${Date.now()}`);
      fs.cpSync(folder, staging, { recursive: true });
      const snapshot = path.join(layout.snapshots(device.udid), snapshotFolderName(new Date(Date.now() - daysAgo * 86_400_000)));
      await writeJournal(layout, { version: 1, udid: device.udid, staging, snapshot });
      fs.mkdirSync(path.dirname(snapshot), { recursive: true });
      fs.renameSync(folder, snapshot);
      return hashTree(staging);
    };
    let staged = await crash(1);
    const candidates = await findRestoreCandidates(device.udid, { backupRoot: root });
    expect(candidates.filter((candidate) => candidate.location === 'root' && !candidate.archived).map((candidate) => candidate.path)).toEqual([folder]);
    expect(hashTree(folder)).toEqual(staged);
    // `restore` without --backup uses <root>/<UDID>: after the crash it must find it.
    staged = await crash(2);
    expect(fs.existsSync(folder)).toBe(false);
    const result = await restore({ reboot: false });
    expect(result.backupFolder).toBe(folder);
    expect(hashTree(folder)).toEqual(staged);
  });

  it('stops with a sentence when a content file of the backup is a link, and the phone gets nothing from outside the backup', async () => {
    // A copy of the backup whose last content file (read only when its turn in the stream comes) points outside it.
    const hostileRoot = path.join(harness.workDir, 'hostile-backups');
    const copy = path.join(hostileRoot, device.udid);
    fs.cpSync(folder, copy, { recursive: true });
    const contentFiles = fs.readdirSync(copy).filter((name) => /^[0-9a-f]{2}$/.test(name)).sort().flatMap((dir) => fs.readdirSync(path.join(copy, dir)).sort().map((name) => path.join(copy, dir, name)));
    const victim = contentFiles[contentFiles.length - 1] as string;
    const secret = Buffer.from('outside the backup: never for the phone');
    const outside = path.join(harness.workDir, 'outside-secret');
    fs.writeFileSync(outside, secret);
    fs.rmSync(victim);
    fs.symlinkSync(outside, victim);
    const error = await restore({ backupRoot: hostileRoot, reboot: false }).catch((caught: unknown) => caught);
    expect(isBackupError(error, 'hostile-path')).toBe(true);
    expect((error as Error).message).toMatch(/link/i);
    for (const entry of device.phone.entries()) {
      if (entry.kind !== 'file' || entry.size !== secret.length) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of device.phone.readContent(entry)) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(secret)).toBe(false);
    }
    await waitUntilAttached();
  });
});
