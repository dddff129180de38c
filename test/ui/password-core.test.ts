import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupError } from '../../src/main/backup/backup-error';
import type { AppCore } from '../../src/main/core/app-core';
import type { BackupRunOptions, Backends } from '../../src/main/core/backends';
import type { BackupView, EventChannel, JobFinished, PasswordRequestView } from '../../src/shared/contract';
import { listedCatalog } from '../helpers/listed-catalog';
import { startPairedAppCore } from '../helpers/paired-app-core';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

const RIGHT = 'correct horse';
const WRONG = 'battery staple';

/**
 * Backends standing in for an encrypted phone: a backup with the Camera Roll off needs the password
 * (as the engine's Manifest.db rewrite does), and one encrypted backup is in the history.
 */
function encryptedPhoneBackends(runs: BackupRunOptions[], verified: Array<string | undefined>, restored: Array<string | undefined> = []): Backends {
  const encrypted: BackupView = { id: 'enc-1', udid: 'OWNER', path: '/backups/OWNER', createdAt: '2026-01-01T00:00:00.000Z', sizeBytes: 1, encrypted: true, archived: false, status: 'complete' };
  const backups: BackupView[] = [encrypted];
  return {
    backup: {
      async runBackup(options) {
        runs.push(options);
        if (!options.cameraRoll && options.password === undefined) throw new BackupError('password-required', 'Backups of this iPhone are encrypted.');
        const folder = path.join(options.backupRoot, options.udid);
        backups.push({ id: `${options.udid}/current`, udid: options.udid, path: folder, createdAt: new Date().toISOString(), sizeBytes: 100, encrypted: true, archived: false, status: 'complete' });
        return { backupPath: folder };
      },
      getEncryption: async () => true,
      setEncryption: async () => undefined,
      changePassword: async () => undefined,
    },
    restore: {
      preflight: async ({ udid, backupId }) => ({ backupId, udid, ok: true, needsPassword: true, problems: [] }),
      async run(options) {
        restored.push(options.password);
        if (options.password !== RIGHT) throw new BackupError('wrong-password', 'That password does not open the backup.');
      },
    },
    checkPassword: async (_folder, password) => {
      if (password !== RIGHT) throw new BackupError('wrong-password', 'That password does not open the backup.');
    },
    openCatalog: async () =>
      listedCatalog(backups, {
        verify: async (backupId, password) => {
          verified.push(password);
          if (password === undefined) throw new BackupError('password-required', 'This backup is encrypted: enter its password to verify it.');
          return { backupId, ok: true, checkedFiles: 3, problems: [] };
        },
      }),
  };
}

describe('app core: the backup password', () => {
  let harness: SimHarness;
  let core: AppCore;
  let udid: string;
  const runs: BackupRunOptions[] = [];
  const verified: Array<string | undefined> = [];
  const restored: Array<string | undefined> = [];
  /** Every event the core sent, as the wire would carry it. */
  const wire: string[] = [];

  beforeAll(async () => {
    harness = await startSimHarness();
    const events: EventChannel[] = ['job:progress', 'job:finished', 'notify', 'password:needed', 'password:settled', 'devices:changed'];
    ({ core, udid } = await startPairedAppCore(harness, {
      backends: encryptedPhoneBackends(runs, verified, restored),
      listen: (app) => {
        for (const event of events) app.on(event, (payload) => wire.push(JSON.stringify(payload)));
      },
    }));
    await core.invoke('device-settings:set', { udid, cameraRoll: false });
  });

  afterAll(async () => {
    await core?.close();
    await harness?.cleanup();
  });

  function nextRequest(): Promise<PasswordRequestView> {
    return new Promise((resolve) => {
      const off = core.on('password:needed', (request) => {
        off();
        resolve(request);
      });
    });
  }

  function nextFinished(): Promise<JobFinished> {
    return new Promise((resolve) => {
      const off = core.on('job:finished', (finished) => {
        off();
        resolve(finished);
      });
    });
  }

  it('Back Up Now waits for the password, says a wrong one, and finishes with the right one', async () => {
    const asked = nextRequest();
    const finished = nextFinished();
    const { jobId } = await core.invoke('backup:start', { udid });
    const request = await asked;
    expect(request).toMatchObject({ udid, reason: 'backup', jobId, automatic: false, rememberIn: 'session' });
    expect((await core.invoke('jobs:list', {})).find((job) => job.jobId === jobId)?.waitingFor).toBe('password');
    expect(await core.invoke('passwords:pending', {})).toEqual([request]);

    const again = nextRequest();
    expect(await core.invoke('passwords:provide', { requestId: request.requestId, password: WRONG })).toEqual({ accepted: true });
    expect(await again).toMatchObject({ requestId: request.requestId, problem: 'wrong' });
    await core.invoke('passwords:provide', { requestId: request.requestId, password: RIGHT, remember: true });
    expect(await finished).toMatchObject({ jobId, outcome: 'succeeded' });
    expect(runs.map((run) => run.password)).toEqual([undefined, RIGHT]);
    expect(await core.invoke('passwords:status', { udid })).toEqual({ udid, remembered: true, rememberIn: 'session' });
    // Answering a request that is over does nothing.
    expect(await core.invoke('passwords:provide', { requestId: request.requestId, password: RIGHT })).toEqual({ accepted: false });
  });

  it('uses the remembered password for the next backup without asking', async () => {
    const finished = nextFinished();
    await core.invoke('backup:start', { udid });
    expect((await finished).outcome).toBe('succeeded');
    expect(runs.at(-1)?.password).toBe(RIGHT);
    await core.invoke('passwords:forget', { udid });
    expect((await core.invoke('passwords:status', { udid })).remembered).toBe(false);
  });

  it('an automatic backup asks through the prompt alone and waits; cancelling the prompt cancels it', async () => {
    await core.invoke('device-settings:set', { udid, autoBackup: true });
    const asked = nextRequest();
    // The prompt names the automatic backup itself: a toast saying it too would be a second place (issue 12).
    const notices: string[] = [];
    const offNotices = core.on('notify', (event) => notices.push(event.title));
    const finished = nextFinished();
    const device = harness.sim.device(udid);
    device.unplug();
    await expect.poll(async () => (await core.invoke('devices:list', {})).filter((d) => d.connected).length).toBe(0);
    device.plug();
    const request = await asked;
    expect(request).toMatchObject({ reason: 'backup', automatic: true });
    expect(await core.invoke('passwords:cancel', { requestId: request.requestId })).toEqual({ cancelled: true });
    expect(await finished).toMatchObject({ outcome: 'cancelled', kind: 'backup' });
    offNotices();
    expect(notices.filter((title) => /password/i.test(title))).toEqual([]);
    await core.invoke('device-settings:set', { udid, autoBackup: false });
  });

  it('Verify of an encrypted backup asks for its password instead of failing', async () => {
    const asked = nextRequest();
    const report = core.invoke('backups:verify', { backupId: 'enc-1' });
    const request = await asked;
    expect(request).toMatchObject({ udid: 'OWNER', reason: 'verify', backupId: 'enc-1' });
    await core.invoke('passwords:provide', { requestId: request.requestId, password: RIGHT });
    expect(await report).toMatchObject({ backupId: 'enc-1', ok: true });
    expect(verified).toEqual([RIGHT]);
  });

  it('Restore of an encrypted backup waits for its password (the backup owner\'s) and restores with it', async () => {
    const asked = nextRequest();
    const finished = nextFinished();
    const { jobId } = await core.invoke('restore:start', { udid, backupId: 'enc-1', system: true });
    const request = await asked;
    expect(request).toMatchObject({ udid: 'OWNER', reason: 'restore', backupId: 'enc-1', jobId });
    expect((await core.invoke('jobs:list', {})).find((job) => job.jobId === jobId)?.waitingFor).toBe('password');
    await core.invoke('passwords:provide', { requestId: request.requestId, password: RIGHT });
    expect(await finished).toMatchObject({ jobId, kind: 'restore', outcome: 'succeeded' });
    expect(restored).toEqual([RIGHT]);
  });

  it('remembers ahead of time only a password that opens the newest backup', async () => {
    expect(await core.invokeEnvelope('passwords:remember', { udid: 'OWNER', password: WRONG })).toMatchObject({ ok: false, error: { code: 'wrong-password' } });
    expect((await core.invoke('passwords:status', { udid: 'OWNER' })).remembered).toBe(false);
    expect(await core.invoke('passwords:remember', { udid: 'OWNER', password: RIGHT })).toEqual({ udid: 'OWNER', remembered: true, rememberIn: 'session' });
  });

  it('never puts a password in an event', () => {
    const all = wire.join('\n');
    expect(all).not.toContain(RIGHT);
    expect(all).not.toContain(WRONG);
    expect(all).toContain('"waitingFor":"password"');
  });
});
