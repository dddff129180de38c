import { describe, expect, it } from 'vitest';
import type { DeviceView, JobFinished, JobProgress, PasswordRequestView } from '../../src/shared/contract';
import { DesktopNoticePlanner } from '../../src/main/electron/desktop-notices';

const phone = (udid: string, connected: boolean, extra: Partial<DeviceView> = {}): DeviceView => ({
  udid,
  connected,
  trust: 'trusted',
  name: `Phone ${udid}`,
  settings: { cameraRoll: true, autoBackup: false },
  ...extra,
});
const away = { windowFocused: false };
const finished = (outcome: JobFinished['outcome'], extra: Partial<JobFinished> = {}): JobFinished => ({ jobId: 'j1', udid: 'A', kind: 'backup', outcome, ...extra });

describe('desktop notices', () => {
  it('tells about a phone when it is plugged in, once', () => {
    const planner = new DesktopNoticePlanner();
    expect(planner.devicesChanged([phone('A', false)], away)).toEqual([]);
    expect(planner.devicesChanged([phone('A', true)], away)).toEqual([{ title: 'iPhone connected', body: 'Phone A is connected. Click to back it up now.', udid: 'A', urgent: false, backUpOn: 'click' }]);
    expect(planner.devicesChanged([phone('A', true, { batteryPercent: 50 })], away)).toEqual([]);
    expect(planner.devicesChanged([phone('A', false)], away)).toEqual([]);
    expect(planner.devicesChanged([phone('A', true)], away)).toHaveLength(1);
  });

  it('asks to trust an untrusted phone, and skips phones there at start', () => {
    const planner = new DesktopNoticePlanner();
    planner.seed([phone('A', true)]);
    const notices = planner.devicesChanged([phone('A', true), phone('B', true, { trust: 'untrusted', name: undefined })], away);
    expect(notices).toEqual([{ title: 'iPhone connected', body: 'An iPhone is connected. Open Lifeboat to trust this computer.', udid: 'B', urgent: false }]);
  });

  it('stays quiet while the window has focus, but keeps track', () => {
    const planner = new DesktopNoticePlanner();
    expect(planner.devicesChanged([phone('A', true)], { windowFocused: true })).toEqual([]);
    expect(planner.devicesChanged([phone('A', true)], away)).toEqual([]);
    expect(planner.jobFinished(finished('failed'), { windowFocused: true })).toBeUndefined();
  });

  it('reports finished and failed backups with the phone name and the sentence', () => {
    const planner = new DesktopNoticePlanner();
    planner.devicesChanged([phone('A', true)], away);
    expect(planner.jobFinished(finished('succeeded', { bytesDone: 2_500_000, durationSeconds: 75 }), away)).toEqual({
      title: 'Backup finished',
      body: 'Phone A was backed up (2.5 MB in 1 min 15 s).',
      udid: 'A',
      urgent: false,
    });
    const failed = planner.jobFinished(finished('failed', { error: { code: 'device-disconnected', message: 'The iPhone was disconnected.', nextStep: 'Reconnect it.' } }), away);
    expect(failed).toEqual({ title: 'Backup of Phone A failed', body: 'The iPhone was disconnected. Reconnect it.', udid: 'A', urgent: true });
    expect(planner.jobFinished(finished('cancelled'), away)).toBeUndefined();
    expect(planner.jobFinished(finished('succeeded', { kind: 'verify' }), away)).toBeUndefined();
    expect(planner.jobFinished(finished('succeeded', { kind: 'restore', udid: 'Z' }), away)).toMatchObject({ title: 'Restore finished', body: 'The iPhone was restored.' });
  });

  it('asks for the backup password when a backup waits for it out of sight, with a button to enter it', () => {
    const planner = new DesktopNoticePlanner();
    planner.devicesChanged([phone('A', true)], away);
    const request: PasswordRequestView = { requestId: 'r1', udid: 'A', reason: 'backup', jobId: 'j1', automatic: true, rememberIn: 'keychain' };
    expect(planner.passwordNeeded(request, away)).toEqual({
      title: 'Lifeboat needs the backup password',
      body: 'The automatic backup of Phone A is waiting for its backup password. Click to enter it.',
      udid: 'A',
      urgent: true,
      actionLabel: 'Enter Password',
    });
    // The window shows the prompt itself; a second ask (wrong password) and Verify/Browse come from the window.
    expect(planner.passwordNeeded(request, { windowFocused: true })).toBeUndefined();
    expect(planner.passwordNeeded({ ...request, problem: 'wrong' }, away)).toBeUndefined();
    expect(planner.passwordNeeded({ ...request, reason: 'verify', jobId: undefined }, away)).toBeUndefined();
  });

  it('waits until the phone has been looked at before telling about it, so a trusted phone is not told to trust', () => {
    const planner = new DesktopNoticePlanner();
    expect(planner.devicesChanged([phone('A', true, { trust: 'unknown' })], away)).toEqual([]);
    expect(planner.devicesChanged([phone('A', true)], away).map((notice) => notice.body)).toEqual(['Phone A is connected. Click to back it up now.']);
  });

  it('offers Back Up Now on a plugged-in phone: a button where notifications have buttons, else the click; not when it backs up by itself', () => {
    const withButtons = new DesktopNoticePlanner({ actionButtons: true });
    expect(withButtons.devicesChanged([phone('A', true)], away)).toEqual([
      { title: 'iPhone connected', body: 'Phone A is connected.', udid: 'A', urgent: false, actionLabel: 'Back Up Now', backUpOn: 'action' },
    ]);
    const automatic = new DesktopNoticePlanner();
    const [notice] = automatic.devicesChanged([phone('A', true, { settings: { cameraRoll: true, autoBackup: true } })], away);
    expect(notice).toEqual({ title: 'iPhone connected', body: 'Phone A is connected.', udid: 'A', urgent: false });
    const busy = new DesktopNoticePlanner();
    expect(busy.devicesChanged([phone('A', true, { activeJobId: 'j9' })], away)[0]?.backUpOn).toBeUndefined();
  });

  it('says when a scheduled backup starts, once per job, and names the finish as scheduled', () => {
    const planner = new DesktopNoticePlanner();
    planner.devicesChanged([phone('A', true)], away);
    const progress: JobProgress = { jobId: 'j2', udid: 'A', kind: 'backup', phase: 'preparing', filesDone: 0, bytesDone: 0, startedAt: '2030-01-07T02:00:00.000Z', trigger: 'schedule' };
    expect(planner.jobProgress(progress, away)).toEqual({ title: 'Scheduled backup started', body: 'Phone A is being backed up on its schedule.', udid: 'A', urgent: false });
    expect(planner.jobProgress({ ...progress, phase: 'transferring', bytesDone: 10 }, away)).toBeUndefined();
    expect(planner.jobProgress({ ...progress, jobId: 'j3', trigger: undefined }, away)).toBeUndefined();
    expect(planner.jobFinished(finished('succeeded', { jobId: 'j2', trigger: 'schedule' }), away)?.title).toBe('Scheduled backup finished');
    expect(planner.jobFinished(finished('failed', { jobId: 'j2', trigger: 'schedule' }), away)?.title).toBe('Scheduled backup of Phone A failed');
  });
});
