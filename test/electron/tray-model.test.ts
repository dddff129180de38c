import { describe, expect, it } from 'vitest';
import type { DeviceView, JobProgress } from '../../src/shared/contract';
import { TrayState } from '../../src/main/electron/tray-model';

const phone = (udid: string, extra: Partial<DeviceView> = {}): DeviceView => ({
  udid,
  connected: true,
  trust: 'trusted',
  name: `Phone ${udid}`,
  settings: { cameraRoll: true, autoBackup: false },
  ...extra,
});
const progress = (extra: Partial<JobProgress> = {}): JobProgress => ({ jobId: 'j1', udid: 'A', kind: 'backup', phase: 'transferring', filesDone: 3, bytesDone: 10, startedAt: '2026-01-01T00:00:00Z', ...extra });
const labels = (state: TrayState) => state.model().items.map((item) => ('label' in item ? item.label : '—'));

describe('tray model', () => {
  it('says nothing is connected and offers only Open and Quit', () => {
    const state = new TrayState();
    expect(state.model()).toMatchObject({ icon: 'idle', tooltip: 'Lifeboat — No iPhone connected' });
    expect(labels(state)).toEqual(['No iPhone connected', '—', 'Open Lifeboat', 'No iPhone connected', '—', 'Quit Lifeboat']);
  });

  it('offers Back Up Now for each connected phone, greyed when untrusted', () => {
    const state = new TrayState();
    state.devicesChanged([phone('A')]);
    expect(state.model().items).toContainEqual({ kind: 'backup', udid: 'A', label: 'Back Up Now', enabled: true });
    state.devicesChanged([phone('A'), phone('B', { trust: 'untrusted' }), phone('C', { connected: false })]);
    const backups = state.model().items.filter((item) => item.kind === 'backup');
    expect(backups).toEqual([
      { kind: 'backup', udid: 'A', label: 'Back Up Phone A Now', enabled: true },
      { kind: 'backup', udid: 'B', label: 'Back Up Phone B Now', enabled: false },
    ]);
    expect(state.model().tooltip).toBe('Lifeboat — 2 iPhones connected');
  });

  it('shows a running backup with its percentage, then the failure until the next success', () => {
    const state = new TrayState();
    state.devicesChanged([phone('A')]);
    state.jobProgress(progress({ percent: 42.7 }));
    expect(state.model()).toMatchObject({ icon: 'busy', tooltip: 'Lifeboat — Backing up Phone A — 42%' });
    expect(state.model().items).toContainEqual({ kind: 'backup', udid: 'A', label: 'Back Up Now', enabled: false });
    state.jobFinished({ jobId: 'j1', udid: 'A', kind: 'backup', outcome: 'failed' });
    expect(state.model()).toMatchObject({ icon: 'error', tooltip: 'Lifeboat — Backup of Phone A failed' });
    state.jobProgress(progress({ jobId: 'j2' }));
    state.jobFinished({ jobId: 'j2', udid: 'A', kind: 'backup', outcome: 'succeeded' });
    expect(state.model()).toMatchObject({ icon: 'idle', tooltip: 'Lifeboat — Phone A connected' });
  });

  it('drives the taskbar: none when idle, indeterminate without a percent or while restarting, else the least advanced job', () => {
    const state = new TrayState();
    state.devicesChanged([phone('A'), phone('B')]);
    expect(state.taskbar()).toEqual({ mode: 'none' });
    state.jobProgress(progress({ phase: 'preparing' }));
    expect(state.taskbar()).toEqual({ mode: 'indeterminate' });
    state.jobProgress(progress({ percent: 42 }));
    expect(state.taskbar()).toEqual({ mode: 'normal', fraction: 0.42 });
    state.jobProgress(progress({ jobId: 'j2', udid: 'B', kind: 'restore', percent: 20 }));
    expect(state.taskbar()).toEqual({ mode: 'normal', fraction: 0.2 });
    state.jobProgress(progress({ jobId: 'j2', udid: 'B', kind: 'restore', phase: 'restarting', percent: 100 }));
    expect(state.taskbar()).toEqual({ mode: 'indeterminate' });
    expect(state.model().tooltip).toBe('Lifeboat — Backing up Phone A — 42%; Restoring Phone B — restarting');
    state.jobFinished({ jobId: 'j1', udid: 'A', kind: 'backup', outcome: 'succeeded' });
    state.jobFinished({ jobId: 'j2', udid: 'B', kind: 'restore', outcome: 'succeeded' });
    expect(state.taskbar()).toEqual({ mode: 'none' });
  });
});
