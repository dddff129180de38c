import { describe, expect, it } from 'vitest';
import {
  appError,
  AppErrorException,
  type DeviceView,
  type JobProgress,
} from '../../shared/contract';
import { createAppStore } from './app-store';
import { fakeApiAnswering } from './fake-main-api';
import { activeJobFor } from './backups-slice';

const fakeApi = fakeApiAnswering;

const phone = (udid: string, patch: Partial<DeviceView> = {}): DeviceView => ({
  udid,
  connected: true,
  trust: 'trusted',
  name: `Phone ${udid}`,
  settings: { cameraRoll: true, autoBackup: false },
  ...patch,
});

const progress = (patch: Partial<JobProgress>): JobProgress => ({
  jobId: 'j1', udid: 'A', kind: 'backup', phase: 'transferring', filesDone: 0, bytesDone: 0, startedAt: '2026-01-01T00:00:00Z', ...patch,
});

describe('app store', () => {
  it('mirrors devices from events and keeps the selection on a phone that still exists', () => {
    const { api, emit } = fakeApi({});
    const { store, connect } = createAppStore(api);
    connect();
    emit('devices:changed', { devices: [phone('A', { connected: false }), phone('B')] });
    // The first plugged-in phone is selected, not merely the first in the list.
    expect(store.getState().devices.selectedUdid).toBe('B');
    expect(store.getState().lastAction).toBe('devices/changed');
    emit('devices:changed', { devices: [phone('A', { connected: false })] });
    expect(store.getState().devices.selectedUdid).toBe('A');
  });

  it('tracks a job from progress to finished, per phone', () => {
    const { api, emit } = fakeApi({});
    const { store, connect } = createAppStore(api);
    connect();
    emit('job:progress', progress({ bytesDone: 10, percent: 5 }));
    emit('job:progress', progress({ bytesDone: 50, percent: 40 }));
    expect(activeJobFor(store.getState().jobs, 'A')?.percent).toBe(40);
    expect(activeJobFor(store.getState().jobs, 'B')).toBeUndefined();
    emit('job:finished', { jobId: 'j1', udid: 'A', kind: 'backup', outcome: 'succeeded', backupId: 'b1' });
    expect(activeJobFor(store.getState().jobs, 'A')).toBeUndefined();
    expect(store.getState().jobs.lastFinished['A']?.backupId).toBe('b1');
    expect(store.getState().lastAction).toBe('jobs/finished');
  });

  it('shows a failed request as a sentence with its next step instead of throwing', async () => {
    const { api } = fakeApi({ 'backup:start': () => { throw new AppErrorException(appError('device-locked')); } });
    const { store, actions } = createAppStore(api);
    await actions.startBackup('A');
    const shown = store.getState().ui.errors[0];
    expect(shown?.error).toMatchObject({ code: 'device-locked', nextStep: expect.stringContaining('Unlock') });
    expect(store.getState().jobs.active).toEqual({});
    actions.dismissError(shown!.id);
    expect(store.getState().ui.errors).toEqual([]);
  });

  it('moves the Camera Roll switch at once and puts it back when main refuses', async () => {
    let accept = true;
    const { api, emit, calls } = fakeApi({
      'device-settings:set': () => {
        if (!accept) throw new AppErrorException(appError('io'));
        return { cameraRoll: false, autoBackup: false };
      },
    });
    const { store, actions, connect } = createAppStore(api);
    connect();
    emit('devices:changed', { devices: [phone('A')] });
    await actions.setDeviceSettings('A', { cameraRoll: false });
    expect(calls.at(-1)).toEqual({ channel: 'device-settings:set', args: { udid: 'A', cameraRoll: false } });
    expect(store.getState().devices.list[0]?.settings.cameraRoll).toBe(false);
    accept = false;
    await actions.setDeviceSettings('A', { cameraRoll: true });
    expect(store.getState().devices.list[0]?.settings.cameraRoll).toBe(false);
    expect(store.getState().lastAction).toBe('devices/settings-reverted');
  });

  it('marks a history row busy while it is verified', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { api } = fakeApi({ 'backups:verify': async () => { await gate; return { backupId: 'b1', ok: true, checkedFiles: 3, problems: [] }; } });
    const { store, actions } = createAppStore(api);
    const running = actions.verifyBackup('b1');
    expect(store.getState().backups.pending['b1']).toBe('verify');
    release();
    await running;
    expect(store.getState().backups.pending['b1']).toBeUndefined();
  });

  it('toasts a finished job only when the page on screen does not already say how it ended', () => {
    const { api, emit } = fakeApi({});
    const { store, connect, actions } = createAppStore(api);
    connect();
    emit('devices:changed', { devices: [phone('A'), phone('B')] });
    actions.selectDevice('A');
    const finished = (id: string, udid: string) => emit('notify', { id, level: 'success', title: `Backup of Phone ${udid} finished`, udid, about: 'job-finished' });
    // Phone A's page shows its result line: no toast repeating it.
    finished('a1', 'A');
    // Another phone's backup, and a phone arriving, are news on this page.
    finished('b1', 'B');
    emit('notify', { id: 'c1', level: 'info', title: 'Phone B connected', udid: 'B', about: 'connected' });
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['b1', 'c1']);
    // Elsewhere (Settings), phone A's next backup gets its toast.
    actions.showScreen('settings');
    finished('a2', 'A');
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['b1', 'c1', 'a2']);
  });

  it('takes a job\'s "started" toast away when the job ends, even when no end toast follows', () => {
    const { api, emit } = fakeApi({});
    const { store, connect, actions } = createAppStore(api);
    connect();
    emit('devices:changed', { devices: [phone('A'), phone('B')] });
    actions.selectDevice('A');
    emit('notify', { id: 'a-start', level: 'info', title: 'Scheduled backup of Phone A started', udid: 'A', about: 'job-started' });
    emit('notify', { id: 'b-start', level: 'info', title: 'Scheduled backup of Phone B started', udid: 'B', about: 'job-started' });
    // Phone A's page says how its backup ended, so no end toast; its "started" toast would be stale.
    emit('notify', { id: 'a-end', level: 'success', title: 'Scheduled backup of Phone A finished', udid: 'A', about: 'job-finished' });
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['b-start']);
    emit('notify', { id: 'b-end', level: 'success', title: 'Scheduled backup of Phone B finished', udid: 'B', about: 'job-finished' });
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['b-end']);
  });

  it('keeps at most five toasts, newest last', () => {
    const { api, emit } = fakeApi({});
    const { store, connect } = createAppStore(api);
    connect();
    for (let index = 0; index < 7; index++) emit('notify', { id: `n${index}`, level: 'info', title: `Notice ${index}` });
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['n2', 'n3', 'n4', 'n5', 'n6']);
  });
});
