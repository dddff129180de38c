import { describe, expect, it } from 'vitest';
import { appError, AppErrorException, type AppErrorCode, type DeviceView, type InvokeChannel, type JobProgress, type SettingsView } from '../../shared/contract';
import { createAppStore } from './app-store';
import { fakeMainApi } from './fake-main-api';
import { dialogErrors, pageErrors } from './error-rules';

/** A MainApi whose requests fail with the code queued for their channel, and events pushed by hand. */
function failingApi() {
  const failures = new Map<InvokeChannel, AppErrorCode>();
  const { api, emit } = fakeMainApi((channel, args) => {
    const code = failures.get(channel);
    const udid = (args as { udid?: string }).udid;
    if (code) throw new AppErrorException(appError(code, undefined, udid));
    if (channel === 'devices:pair') return phone(udid ?? 'A');
    // The store's own start-up loads stay pending: the test alone says which phones and jobs exist
    // (answering {} made the store throw 'list.some is not a function' after the test had ended).
    if (channel === 'devices:list' || channel === 'jobs:list' || channel === 'backups:list' || channel === 'settings:get') return new Promise<never>(() => undefined);
    return {};
  });
  const fail = (channel: InvokeChannel, code: AppErrorCode | undefined) => (code ? failures.set(channel, code) : failures.delete(channel));
  return { api, emit, fail };
}

const phone = (udid: string, patch: Partial<DeviceView> = {}): DeviceView => ({
  udid,
  connected: true,
  trust: 'trusted',
  name: `Phone ${udid}`,
  settings: { cameraRoll: true, autoBackup: false },
  ...patch,
});

const job = (patch: Partial<JobProgress>): JobProgress => ({ jobId: 'j1', udid: 'A', kind: 'backup', phase: 'transferring', filesDone: 0, bytesDone: 0, startedAt: '2026-01-01T00:00:00Z', ...patch });

function setup(devices: readonly DeviceView[] = [phone('A'), phone('B')]) {
  const fake = failingApi();
  const app = createAppStore(fake.api);
  app.connect();
  fake.emit('devices:changed', { devices });
  const codes = () => pageErrors(app.store.getState()).map((shown) => shown.error.code);
  return { ...fake, ...app, codes };
}

describe('errors leave when their cause is gone (issue 12)', () => {
  it('drops "Don’t Trust" once trust succeeds', async () => {
    const { actions, emit, fail, codes } = setup([phone('A', { trust: 'denied' })]);
    fail('devices:pair', 'pairing-denied');
    await actions.pair('A');
    expect(codes()).toEqual(['pairing-denied']);
    fail('devices:pair', undefined);
    await actions.pair('A');
    expect(codes()).toEqual([]);
    // Also when trust arrives by itself (the person tapped Trust later).
    fail('devices:pair', 'pairing-denied');
    emit('devices:changed', { devices: [phone('A', { trust: 'denied' })] });
    await actions.pair('A');
    expect(codes()).toEqual(['pairing-denied']);
    emit('devices:changed', { devices: [phone('A')] });
    expect(codes()).toEqual([]);
  });

  it('drops "locked" when the phone is unlocked or a backup gets going', async () => {
    const { actions, emit, fail, codes } = setup([phone('A', { trust: 'locked' })]);
    fail('backup:start', 'device-locked');
    await actions.startBackup('A');
    expect(codes()).toEqual(['device-locked']);
    emit('devices:changed', { devices: [phone('A')] });
    expect(codes()).toEqual([]);

    await actions.startBackup('A');
    expect(codes()).toEqual(['device-locked']);
    emit('job:progress', job({ phase: 'preparing' }));
    expect(codes()).toEqual(['device-locked']);
    emit('job:progress', job({ phase: 'transferring' }));
    expect(codes()).toEqual([]);
  });

  it('drops "locked" when a trusted phone’s screen is unlocked (PasswordProtected goes away)', async () => {
    const { actions, emit, fail, codes } = setup([phone('A', { passcodeLocked: true })]);
    fail('backup:start', 'device-locked');
    await actions.startBackup('A');
    emit('devices:changed', { devices: [phone('A', { passcodeLocked: true })] });
    expect(codes()).toEqual(['device-locked']);
    emit('devices:changed', { devices: [phone('A')] });
    expect(codes()).toEqual([]);
  });

  it('drops a phone’s errors when its next backup succeeds, and only that phone’s', async () => {
    const { actions, emit, fail, codes } = setup();
    fail('backup:start', 'busy');
    await actions.startBackup('A');
    emit('job:finished', { jobId: 'j1', udid: 'B', kind: 'backup', outcome: 'succeeded' });
    emit('job:finished', { jobId: 'j2', udid: 'A', kind: 'backup', outcome: 'failed' });
    expect(codes()).toEqual(['busy']);
    emit('job:finished', { jobId: 'j3', udid: 'A', kind: 'backup', outcome: 'succeeded' });
    expect(codes()).toEqual([]);
  });

  it('drops a phone’s errors when the phone leaves', async () => {
    const { actions, emit, fail, codes } = setup();
    fail('backup:start', 'device-locked');
    await actions.startBackup('A');
    expect(codes()).toEqual(['device-locked']);
    emit('devices:changed', { devices: [phone('A', { connected: false }), phone('B')] });
    expect(codes()).toEqual([]);
  });

  it('keeps an error about a phone that is already gone until it is dismissed', async () => {
    const { actions, fail, codes, store } = setup([phone('A', { connected: false })]);
    fail('backup:start', 'no-device');
    await actions.startBackup('A');
    expect(codes()).toEqual(['no-device']);
    actions.dismissError(store.getState().ui.errors[0]!.id);
    expect(codes()).toEqual([]);
  });

  it('does not follow the person to another screen: "wrong password" stays behind', async () => {
    const { actions, fail, codes, store } = setup();
    fail('backups:verify', 'wrong-password');
    await actions.verifyBackup('b1');
    expect(codes()).toEqual(['wrong-password']);
    actions.showScreen('browser');
    expect(codes()).toEqual([]);
    actions.showScreen('device');
    expect(codes()).toEqual([]);
    expect(store.getState().ui.errors).toEqual([]);
    // Another phone's page is another place too.
    await actions.verifyBackup('b1');
    actions.selectDevice('B');
    expect(store.getState().ui.errors).toEqual([]);
  });

  it('drops an error about what was typed in Settings once the settings are saved another way', async () => {
    const { actions, emit, fail, codes } = setup();
    const saved = { backupRoot: '/home/me/Backups', extraFolders: [], theme: 'system' } as unknown as SettingsView;
    emit('settings:changed', saved);
    actions.showScreen('settings');
    fail('settings:set', 'invalid-argument');
    await actions.saveSettings({ backupRoot: 'Backups' });
    expect(codes()).toEqual(['invalid-argument']);
    // The person picks a folder with Choose… instead: the move dialog saves it and the main side says so.
    emit('settings:changed', { ...saved, backupRoot: '/media/disk/Backups' });
    expect(codes()).toEqual([]);
  });

  it('shows a phone-state error only on that phone’s page, and again when the person comes back', async () => {
    const { actions, fail, codes } = setup([phone('A', { trust: 'locked' }), phone('B')]);
    fail('backup:start', 'device-locked');
    await actions.startBackup('A');
    actions.selectDevice('B');
    expect(codes()).toEqual([]);
    actions.selectDevice('A');
    expect(codes()).toEqual(['device-locked']);
  });

  it('shows an error raised in a dialog in that dialog only, and drops it when the dialog closes', async () => {
    const { actions, fail, codes, store } = setup();
    fail('encryption:set', 'wrong-password');
    actions.dialogOpened('d1');
    await actions.setEncryption('A', false, 'nope');
    expect(codes()).toEqual([]);
    expect(dialogErrors(store.getState(), 'd1').map((shown) => shown.error.code)).toEqual(['wrong-password']);
    actions.dialogClosed('d1');
    expect(store.getState().ui.errors).toEqual([]);
  });

  it('shows the same failure once, however often it is repeated', async () => {
    const { actions, fail, codes } = setup();
    fail('backup:start', 'busy');
    await actions.startBackup('A');
    await actions.startBackup('A');
    await actions.startBackup('A');
    expect(codes()).toEqual(['busy']);
  });

  it('tells a failed job once: no toast for the phone on screen, and other phones’ error toasts leave when that phone recovers', () => {
    const { emit, actions, store } = setup();
    const failed = (udid: string, id: string) => emit('notify', { id, level: 'error', title: `Backup of ${udid} failed`, udid });
    failed('A', 'n1');
    expect(store.getState().ui.notices).toEqual([]);
    actions.selectDevice('B');
    failed('A', 'n2');
    emit('notify', { id: 'n3', level: 'info', title: 'iPhone connected', udid: 'A' });
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['n2', 'n3']);
    emit('job:finished', { jobId: 'j1', udid: 'A', kind: 'backup', outcome: 'succeeded' });
    expect(store.getState().ui.notices.map((notice) => notice.id)).toEqual(['n3']);
  });
});
