import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/main/core/app-core';
import type { DeviceView, JobFinished, JobProgress } from '../../src/shared/contract';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/**
 * The phone's states as the core meets them (issue 12, part H), against an iOS 16.1 virtual iPhone:
 * a locked phone is reported and its unlock noticed without anyone clicking, a backup started while
 * it is locked waits instead of failing, and the passcode prompt before a backup is a value the UI
 * can show, with a sentence when it is refused.
 */
describe('app core: a locked phone and the iOS 16.1+ passcode prompt', () => {
  let harness: SimHarness;
  let core: AppCore;
  let device: VirtualDevice;
  let udid: string;
  const progress: JobProgress[] = [];

  const view = async (): Promise<DeviceView> => (await core.invoke('devices:list', {})).find((candidate) => candidate.udid === udid)!;
  const nextFinished = (): Promise<JobFinished> => new Promise((resolve) => {
    const off = core.on('job:finished', (finished) => {
      off();
      resolve(finished);
    });
  });

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 3, productVersion: '16.1' });
    ({ core, device, udid } = await startPairedAppCore(harness, { listen: (app) => app.on('job:progress', (update) => progress.push(update)) }));
  });

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  it('says a trusted phone is locked, lets a backup wait for the unlock, and notices the unlock by itself', async () => {
    device.setFaults({ locked: true });
    await core.invoke('devices:refresh', { udid });
    expect(await view()).toMatchObject({ trust: 'trusted', passcodeLocked: true });

    progress.length = 0;
    const finished = nextFinished();
    const { jobId } = await core.invoke('backup:start', { udid });
    await expect.poll(() => progress.some((update) => update.jobId === jobId && update.waitingFor === 'unlock')).toBe(true);
    expect((await core.invoke('jobs:list', {})).find((job) => job.jobId === jobId)?.waitingFor).toBe('unlock');

    device.setFaults({ locked: false });
    // Nobody refreshes: the watcher reads the phone again on its own.
    const result = await finished;
    expect(result).toMatchObject({ jobId, outcome: 'succeeded' });
    expect((await view()).passcodeLocked).toBeUndefined();
    const afterUnlock = progress.filter((update) => update.jobId === jobId).at(-1);
    expect(afterUnlock?.waitingFor).toBeUndefined();
  }, 60_000);

  it('waits for the unlock when the screen locked itself since Lifeboat last looked, instead of failing', async () => {
    // No refresh: the phone sends no event when its screen locks, so the core still thinks it is unlocked.
    device.setFaults({ locked: true });
    expect((await view()).passcodeLocked).toBeUndefined();
    progress.length = 0;
    const finished = nextFinished();
    const { jobId } = await core.invoke('backup:start', { udid });
    // The phone refuses (208); the core reads it again, finds it locked and waits, as for a known lock.
    await expect.poll(() => progress.some((update) => update.jobId === jobId && update.waitingFor === 'unlock'), { timeout: 30_000 }).toBe(true);
    expect((await view()).passcodeLocked).toBe(true);
    device.setFaults({ locked: false });
    expect(await finished).toMatchObject({ jobId, outcome: 'succeeded' });
  }, 60_000);

  it('shows the passcode wait while the phone asks, then backs up once it is typed', async () => {
    device.setFaults({ passcodePrompt: 'accept', passcodeAnswerMs: 1500 });
    progress.length = 0;
    const finished = nextFinished();
    const { jobId } = await core.invoke('backup:start', { udid });
    const result = await finished;
    expect(result.outcome).toBe('succeeded');
    const waits = progress.filter((update) => update.jobId === jobId).map((update) => update.waitingFor);
    expect(waits).toContain('passcode');
    expect(waits.at(-1)).toBeUndefined();
  }, 60_000);

  it('turns a refused passcode (error 208) into a sentence about the passcode', async () => {
    device.setFaults({ passcodePrompt: 'deny', passcodeAnswerMs: 100 });
    const finished = nextFinished();
    await core.invoke('backup:start', { udid });
    const result = await finished;
    expect(result.outcome).toBe('failed');
    expect(result.error?.code).toBe('device-locked');
    expect(result.error?.message).toMatch(/passcode was not entered on the iPhone/);
    expect(result.error?.message).not.toMatch(/MBErrorDomain/);
    device.setFaults({ passcodePrompt: undefined, passcodeAnswerMs: undefined });
  }, 60_000);

  it('infers iCloud Photos when a backup with the Camera Roll on holds no photos while the phone has them', async () => {
    expect((await core.invoke('restore:candidates', { udid })).photosInICloud).toBeUndefined();
    device.setFaults({ iCloudPhotos: true });
    const finished = nextFinished();
    await core.invoke('backup:start', { udid });
    expect((await finished).outcome).toBe('succeeded');
    const backups = await core.invoke('backups:list', { udid });
    expect(backups[0]?.photoCount).toBe(0);
    const view = await core.invoke('restore:candidates', { udid });
    expect(view).toMatchObject({ photosInICloud: true, looksErased: false });
    expect(view.photosOnPhone).toBeGreaterThan(0);
    // It names the backup it rests on (the newest), so the history says so of that backup only.
    expect(view.photosInICloudBackupId).toBe(backups[0]!.id);
    device.setFaults({ iCloudPhotos: undefined });
  }, 60_000);
});
