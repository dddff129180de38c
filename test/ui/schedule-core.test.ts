import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupError } from '../../src/main/backup/backup-error';
import type { AppCore } from '../../src/main/core/app-core';
import type { BackupRunOptions, Backends } from '../../src/main/core/backends';
import { type BackupView, type JobFinished, type JobProgress, type NoticeView, type PasswordRequestView } from '../../src/shared/contract';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { listedCatalog } from '../helpers/listed-catalog';
import { ManualClock } from '../helpers/manual-clock';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

const PASSWORD = 'correct horse';
/** Sunday 6 January 2030, 12:00 UTC: the schedules below are in UTC. */
const START = Date.UTC(2030, 0, 6, 12, 0);
const DAY = 86_400_000;

/**
 * Backends for an encrypted phone whose backups are dated by the test's clock (the scheduler compares
 * them with its slots). With the Camera Roll off a backup needs the password, as the engine's does.
 * A run waits on `gate` while one is set.
 */
function scheduledBackends(clock: ManualClock, runs: BackupRunOptions[], control: { gate?: Promise<void> }): Backends {
  const backups: BackupView[] = [];
  return {
    backup: {
      async runBackup(options) {
        runs.push(options);
        await control.gate;
        if (!options.cameraRoll && options.password === undefined) throw new BackupError('password-required', 'Backups of this iPhone are encrypted.');
        const folder = path.join(options.backupRoot, options.udid);
        const made: BackupView = { id: `${options.udid}/${runs.length}`, udid: options.udid, path: folder, createdAt: new Date(clock.now()).toISOString(), sizeBytes: 1, encrypted: true, archived: false, status: 'complete' };
        backups.push(made);
        return { backupPath: folder };
      },
      getEncryption: async () => true,
      setEncryption: async () => undefined,
      changePassword: async () => undefined,
    },
    checkPassword: async (_folder, password) => {
      if (password !== PASSWORD) throw new BackupError('wrong-password', 'That password does not open the backup.');
    },
    openCatalog: async () => listedCatalog(backups),
  };
}

/**
 * Daily and weekly backups as the core runs them against a virtual iPhone, with a clock the test
 * moves: the schedule is validated and saved, a slot starts one backup marked `schedule` with a
 * notice, a slot missed while the phone was away runs once when it is back, a slot that comes while
 * a backup runs starts no second one, and a locked phone or a missing password is waited for.
 */
describe('app core: backup schedules', () => {
  let harness: SimHarness;
  let core: AppCore;
  let device: VirtualDevice;
  let udid: string;
  const clock = new ManualClock(START);
  const runs: BackupRunOptions[] = [];
  const control: { gate?: Promise<void> } = {};
  const progress: JobProgress[] = [];
  const finishedJobs: JobFinished[] = [];
  const notices: NoticeView[] = [];
  let settingsPath: string;

  const connected = async () => (await core.invoke('devices:list', {})).filter((view) => view.connected);
  const nextFinished = (): Promise<JobFinished> =>
    new Promise((resolve) => {
      const off = core.on('job:finished', (finished) => {
        off();
        resolve(finished);
      });
    });
  const nextRequest = (): Promise<PasswordRequestView> =>
    new Promise((resolve) => {
      const off = core.on('password:needed', (request) => {
        off();
        resolve(request);
      });
    });

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 5, connection: 'both' });
    settingsPath = path.join(harness.workDir, 'settings.json');
    ({ core, device, udid } = await startPairedAppCore(harness, {
      settingsPath,
      backends: scheduledBackends(clock, runs, control),
      clock,
      timeZone: 'UTC',
      listen: (app) => {
        app.on('job:progress', (update) => progress.push(update));
        app.on('job:finished', (finished) => finishedJobs.push(finished));
        app.on('notify', (notice) => notices.push(notice));
      },
    }));
  });

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  it('refuses a schedule that is not a time, or a weekly one without its day, and saves a good one without starting a backup', async () => {
    for (const schedule of [{ frequency: 'daily', time: '24:00' }, { frequency: 'weekly', time: '09:00' }, { frequency: 'daily', time: '09:00', weekday: 2 }, { frequency: 'hourly', time: '09:00' }]) {
      const refused = await core.invokeEnvelope('device-settings:set', { udid, schedule });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    }
    const saved = await core.invoke('device-settings:set', { udid, schedule: { frequency: 'daily', time: '02:00' } });
    expect(saved).toEqual({ cameraRoll: true, autoBackup: false, schedule: { frequency: 'daily', time: '02:00' } });
    expect(JSON.parse(fs.readFileSync(settingsPath, 'utf8')).devices[udid].schedule).toEqual({ frequency: 'daily', time: '02:00' });
    expect(runs).toHaveLength(0);
  });

  it('backs up at the slot, once, marked as scheduled, with a notice when it starts and when it ends', async () => {
    const finished = nextFinished();
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 0));
    const result = await finished;
    expect(result).toMatchObject({ udid, kind: 'backup', outcome: 'succeeded', trigger: 'schedule' });
    expect(progress.find((update) => update.jobId === result.jobId)?.trigger).toBe('schedule');
    const titles = notices.map((notice) => notice.title);
    expect(titles.some((title) => /^Scheduled backup of .+ started$/.test(title))).toBe(true);
    expect(titles.some((title) => /^Scheduled backup of .+ finished$/.test(title))).toBe(true);
    clock.advanceTo(Date.UTC(2030, 0, 7, 20, 0));
    expect(runs).toHaveLength(1);
  });

  it('runs the slots missed while the phone was away once, when it comes back', async () => {
    device.unplug();
    await expect.poll(async () => (await connected()).length).toBe(0);
    clock.advanceBy(3 * DAY);
    expect(runs).toHaveLength(1);
    // The phone's page says the backup is owed, from the latest slot missed.
    expect((await core.invoke('devices:list', {})).find((view) => view.udid === udid)?.nextScheduledBackup).toEqual({ at: '2030-01-10T02:00:00.000Z', due: true });
    const finished = nextFinished();
    device.plug();
    expect(await finished).toMatchObject({ udid, outcome: 'succeeded', trigger: 'schedule' });
    // Give a wrong second run every chance to start: the phone is refreshed and told about again.
    await core.invoke('devices:refresh', { udid });
    expect(runs).toHaveLength(2);
    expect((await core.invoke('jobs:list', {})).length).toBe(0);
    expect((await core.invoke('devices:list', {})).find((view) => view.udid === udid)?.nextScheduledBackup).toEqual({ at: '2030-01-11T02:00:00.000Z', due: false });
  });

  it('starts no second backup when the slot comes while one runs, and counts that one as the slot’s', async () => {
    let open!: () => void;
    control.gate = new Promise((resolve) => (open = resolve));
    const byHand = nextFinished();
    const { jobId } = await core.invoke('backup:start', { udid });
    clock.advanceBy(DAY);
    expect(runs).toHaveLength(3);
    expect((await core.invoke('jobs:list', {})).map((job) => job.jobId)).toEqual([jobId]);
    open();
    control.gate = undefined;
    expect(await byHand).toMatchObject({ jobId, outcome: 'succeeded' });
    expect(finishedJobs.at(-1)?.trigger).toBeUndefined();
    await core.invoke('devices:refresh', { udid });
    expect(runs).toHaveLength(3);
  });

  it('waits for a locked phone to be unlocked, as a backup on connect does', async () => {
    device.setFaults({ locked: true });
    await core.invoke('devices:refresh', { udid });
    const finished = nextFinished();
    clock.advanceBy(DAY);
    await expect.poll(() => progress.some((update) => update.trigger === 'schedule' && update.waitingFor === 'unlock'), { timeout: 20_000 }).toBe(true);
    device.setFaults({ locked: false });
    expect(await finished).toMatchObject({ outcome: 'succeeded', trigger: 'schedule' });
  }, 60_000);

  it('waits for the backup password of an encrypted phone with the Camera Roll off, asking as an automatic backup', async () => {
    await core.invoke('device-settings:set', { udid, cameraRoll: false });
    const asked = nextRequest();
    const finished = nextFinished();
    clock.advanceBy(DAY);
    const request = await asked;
    expect(request).toMatchObject({ udid, reason: 'backup', automatic: true });
    expect((await core.invoke('jobs:list', {}))[0]).toMatchObject({ waitingFor: 'password', trigger: 'schedule' });
    await core.invoke('passwords:provide', { requestId: request.requestId, password: PASSWORD });
    expect(await finished).toMatchObject({ outcome: 'succeeded', trigger: 'schedule' });
    expect(runs.at(-1)?.password).toBe(PASSWORD);
    await core.invoke('device-settings:set', { udid, cameraRoll: true });
  });

  it('backs up a phone reached over Wi-Fi, and turns the schedule off with null', async () => {
    await core.invoke('devices:set-wifi', { udid, enabled: true });
    device.setCable(false);
    await expect.poll(async () => (await connected()).map((view) => view.connection)).toEqual(['network']);
    const finished = nextFinished();
    clock.advanceBy(DAY);
    expect(await finished).toMatchObject({ outcome: 'succeeded', trigger: 'schedule' });
    device.setCable(true);
    const before = runs.length;
    expect(await core.invoke('device-settings:set', { udid, schedule: null })).toEqual({ cameraRoll: true, autoBackup: false });
    expect((await core.invoke('devices:list', {})).find((view) => view.udid === udid)?.nextScheduledBackup).toBeUndefined();
    clock.advanceBy(2 * DAY);
    await core.invoke('devices:refresh', { udid });
    expect(runs).toHaveLength(before);
  });
});
