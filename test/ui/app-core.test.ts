import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppCore, createAppCore } from '../../src/main/core/app-core';
import type { BackupRunOptions, Backends } from '../../src/main/core/backends';
import { AppErrorException, type BackupView, type JobFinished } from '../../src/shared/contract';
import { listedCatalog } from '../helpers/listed-catalog';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/** A backend that records what the core asked for and reports a few progress steps. */
function fakeBackends(runs: BackupRunOptions[], gate?: Promise<void>): Backends {
  const backups: BackupView[] = [];
  return {
    backup: {
      async runBackup(options) {
        runs.push(options);
        options.onProgress({ bytesDone: 10, bytesTotal: 100, filesDone: 1, percent: 10 });
        await gate;
        if (options.signal.aborted) throw Object.assign(new Error('stopped'), { name: 'AbortError' });
        options.onProgress({ bytesDone: 100, bytesTotal: 100, filesDone: 3, percent: 100 });
        const folder = path.join(options.backupRoot, options.udid);
        backups.push({ id: `${options.udid}/current`, udid: options.udid, path: folder, createdAt: new Date().toISOString(), sizeBytes: 100, encrypted: false, archived: false, status: 'complete', includesCameraRoll: options.cameraRoll });
        return { backupPath: folder };
      },
      getEncryption: async () => false,
      setEncryption: async () => undefined,
      changePassword: async () => undefined,
    },
    openCatalog: async () => listedCatalog(backups),
  };
}

function nextFinished(core: AppCore): Promise<JobFinished> {
  return new Promise((resolve) => {
    const off = core.on('job:finished', (finished) => {
      off();
      resolve(finished);
    });
  });
}

describe('app core', () => {
  let harness: SimHarness | undefined;
  let core: AppCore | undefined;
  afterEach(async () => {
    await core?.close();
    await harness?.cleanup();
    core = harness = undefined;
  });

  it('lists the phone, pairs, backs up with progress, honours the Camera Roll setting and persists settings 0600', async () => {
    harness = await startSimHarness();
    const runs: BackupRunOptions[] = [];
    const settingsPath = path.join(harness.workDir, 'config', 'settings.json');
    const notices: string[] = [];
    const { core: app, udid, paired } = await startPairedAppCore(harness, { settingsPath, backends: fakeBackends(runs), listen: (created) => created.on('notify', (notice) => notices.push(notice.title)) });
    core = app;
    expect(paired.trust).toBe('trusted');
    expect(paired.name).toBeTruthy();
    expect(notices).toContain('iPhone connected');

    const progress: number[] = [];
    app.on('job:progress', (event) => progress.push(event.bytesDone));
    const finished = nextFinished(app);
    const { jobId } = await app.invoke('backup:start', { udid });
    const result = await finished;
    expect(result).toMatchObject({ jobId, outcome: 'succeeded', backupId: `${udid}/current` });
    expect(progress).toContain(10);
    expect(runs[0]!.cameraRoll).toBe(true);
    expect((await app.invoke('backups:list', { udid })).map((backup) => backup.id)).toEqual([`${udid}/current`]);

    await app.invoke('device-settings:set', { udid, cameraRoll: false });
    const second = nextFinished(app);
    await app.invoke('backup:start', { udid });
    await second;
    expect(runs[1]!.cameraRoll).toBe(false);
    expect(fs.statSync(settingsPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(settingsPath, 'utf8')).devices[udid]).toEqual({ cameraRoll: false, autoBackup: false });
  });

  it('backs up by itself when a phone with auto-backup on is plugged in', async () => {
    harness = await startSimHarness();
    const runs: BackupRunOptions[] = [];
    const { core: app, device } = await startPairedAppCore(harness, { backends: fakeBackends(runs) });
    core = app;
    await app.invoke('device-settings:set', { udid: device.udid, autoBackup: true });
    expect(runs).toHaveLength(0);

    const finished = nextFinished(app);
    device.unplug();
    await expect.poll(async () => (await app.invoke('devices:list', {})).filter((d) => d.connected).length).toBe(0);
    device.plug();
    expect(await finished).toMatchObject({ udid: device.udid, kind: 'backup', outcome: 'succeeded' });
    expect(runs).toHaveLength(1);
  });

  it('says nothing of an unplug during a restore’s planned restart, and restores system files by default', async () => {
    harness = await startSimHarness();
    const device = harness.sim.devices()[0]!;
    const runs: Array<{ system: boolean }> = [];
    const backends: Backends = {
      ...fakeBackends([]),
      restore: {
        preflight: async ({ udid, backupId }) => ({ udid, backupId, ok: true, needsPassword: false, problems: [] }),
        async run(options) {
          runs.push({ system: options.system });
          options.onProgress({ phase: 'transferring', percent: 50, filesDone: 1, bytesDone: 10 });
          options.onProgress({ phase: 'restarting', percent: 100 });
          // The phone restarts: it leaves usbmuxd and comes back, as the simulator's reboot does.
          device.unplug('restarting');
          await expect.poll(async () => (await app.invoke('devices:list', {})).some((d) => d.udid === device.udid && d.connected)).toBe(false);
          // Away, but still listed (with its name and job) though no backup of its own is known.
          const away = (await app.invoke('devices:list', {})).find((d) => d.udid === device.udid);
          expect(away).toMatchObject({ connected: false, activeJobId: expect.any(String) });
          expect(away?.name).toBeTruthy();
          device.plug();
          await expect.poll(async () => (await app.invoke('devices:list', {})).some((d) => d.udid === device.udid && d.connected)).toBe(true);
        },
      },
    };
    const { core: app } = await startPairedAppCore(harness, { backends });
    core = app;
    const notices: string[] = [];
    const phases: string[] = [];
    app.on('notify', (notice) => notices.push(notice.body ?? notice.title));
    app.on('job:progress', (progress) => phases.push(progress.phase));
    const name = (await app.invoke('devices:list', {})).find((d) => d.udid === device.udid)?.name;
    expect(name).toBeTruthy();
    const finished = nextFinished(app);
    await app.invoke('restore:start', { udid: device.udid, backupId: 'any' });
    expect((await finished).outcome).toBe('succeeded');
    // Named as before the restart, though the phone back from it has not said its name yet.
    expect(notices).toContain(`Restore of ${name} finished`);
    expect(phases).toContain('restarting');
    expect(notices.filter((text) => /unplugged|is connected/.test(text))).toEqual([]);
    expect(runs).toEqual([{ system: true }]);
    // A real unplug afterwards is still news.
    device.unplug();
    await expect.poll(() => notices.some((text) => /was unplugged/.test(text))).toBe(true);
  });

  it('runs one job per phone, cancels, and rejects bad arguments with a sentence', async () => {
    harness = await startSimHarness();
    const udid = harness.sim.devices()[0]!.udid;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    core = await createAppCore({ muxAddress: harness.sim.address, backupRoot: path.join(harness.workDir, 'b'), settingsPath: path.join(harness.workDir, 's.json'), backends: fakeBackends([], gate) });
    const finished = nextFinished(core);
    const { jobId } = await core.invoke('backup:start', { udid });
    const busy = await core.invoke('backup:start', { udid }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(AppErrorException);
    expect((busy as AppErrorException).error.code).toBe('busy');
    expect(await core.invoke('backup:cancel', { jobId })).toEqual({ cancelled: true });
    release();
    expect((await finished).outcome).toBe('cancelled');

    const envelope = await core.invokeEnvelope('backup:start', { udid: 'x', extra: 1 });
    expect(envelope.ok).toBe(false);
    if (!envelope.ok) {
      expect(envelope.error.code).toBe('invalid-argument');
      expect(envelope.error.nextStep.length).toBeGreaterThan(0);
    }
    const unknown = await core.invokeEnvelope('restore:start' as never, { udid, backupId: 'nope' });
    expect(unknown.ok).toBe(false);
  });
});
