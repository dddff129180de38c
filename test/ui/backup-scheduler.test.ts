import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupScheduler } from '../../src/main/core/backup-scheduler';
import { ScheduleLedger } from '../../src/main/core/schedule-ledger';
import type { BackupScheduleView } from '../../src/shared/contract';
import { ManualClock } from '../helpers/manual-clock';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UDID = 'PHONE-1';
/** Sunday 6 January 2030, 12:00 UTC. */
const START = Date.UTC(2030, 0, 6, 12, 0);
const DAILY_2AM: BackupScheduleView = { frequency: 'daily', time: '02:00' };

/** A phone the scheduler can see: where it is, whether it is busy, its backups; every start recorded. */
function world(options: { schedule?: BackupScheduleView; ledgerFile?: string; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock(START);
  const state = { ready: true, busy: false, lastBackupAt: undefined as string | undefined, schedule: options.schedule ?? DAILY_2AM };
  const started: number[] = [];
  const scheduler = new BackupScheduler({
    clock,
    timeZone: 'UTC',
    ledger: new ScheduleLedger(options.ledgerFile),
    schedules: () => [[UDID, state.schedule]],
    ready: () => state.ready,
    busy: () => state.busy,
    lastBackupAt: () => state.lastBackupAt,
    startBackup: () => started.push(clock.now()),
  });
  return { clock, state, started, scheduler };
}

describe('backup scheduler', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('backs up a phone that has a schedule but has never been backed up as soon as it can', () => {
    const { started, scheduler } = world();
    scheduler.start();
    expect(started).toEqual([START]);
  });

  it('starts nothing when the schedule is set, then backs up at the slot, once', () => {
    const { clock, started, scheduler } = world();
    scheduler.scheduleChanged(UDID);
    scheduler.start();
    expect(started).toEqual([]);
    clock.advanceTo(Date.UTC(2030, 0, 7, 1, 59));
    expect(started).toEqual([]);
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 0));
    expect(started).toEqual([Date.UTC(2030, 0, 7, 2, 0)]);
    clock.advanceTo(Date.UTC(2030, 0, 7, 23, 0));
    scheduler.check();
    expect(started).toHaveLength(1);
  });

  it('catches up a run missed while the phone was away once, not once per missed slot', () => {
    const { clock, state, started, scheduler } = world();
    scheduler.scheduleChanged(UDID);
    scheduler.start();
    state.ready = false;
    clock.advanceBy(4 * DAY);
    expect(started).toEqual([]);
    state.ready = true;
    // The phone arrives: the core calls check() on attach and trust.
    scheduler.check();
    scheduler.check();
    expect(started).toEqual([START + 4 * DAY]);
    expect(scheduler.upcoming(UDID)).toEqual({ at: '2030-01-11T02:00:00.000Z', due: false });
    // The next slot is the next 02:00, not one of the four missed.
    clock.advanceTo(Date.UTC(2030, 0, 11, 1, 0));
    expect(started).toHaveLength(1);
    clock.advanceTo(Date.UTC(2030, 0, 11, 2, 0));
    expect(started).toHaveLength(2);
  });

  it('catches up a slot missed while the computer was off, from the ledger on disk, and does not repeat it after a restart', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-ledger-'));
    folders.push(folder);
    const ledgerFile = path.join(folder, 'schedule-runs.json');
    const first = world({ ledgerFile });
    first.scheduler.scheduleChanged(UDID);
    first.scheduler.start();
    first.scheduler.stop();
    // Two days later the app starts again with the phone plugged in.
    const later = new ManualClock(START + 2 * DAY);
    const second = world({ ledgerFile, clock: later });
    second.scheduler.start();
    expect(second.started).toEqual([START + 2 * DAY]);
    second.scheduler.stop();
    const third = world({ ledgerFile, clock: new ManualClock(START + 2 * DAY + HOUR) });
    third.scheduler.start();
    expect(third.started).toEqual([]);
    expect(JSON.parse(fs.readFileSync(ledgerFile, 'utf8'))).toEqual({ [UDID]: START + 2 * DAY });
    expect(fs.statSync(ledgerFile).mode & 0o777).toBe(0o600);
  });

  it('does not start a second backup while one is going, and counts that backup as the slot’s', () => {
    const { clock, state, started, scheduler } = world();
    scheduler.scheduleChanged(UDID);
    scheduler.start();
    state.busy = true;
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 30));
    expect(started).toEqual([]);
    // The backup by hand ends after the slot: the core calls check() when a job ends.
    state.busy = false;
    state.lastBackupAt = new Date(Date.UTC(2030, 0, 7, 2, 40)).toISOString();
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 40));
    scheduler.check();
    expect(started).toEqual([]);
  });

  it('starts the slot’s backup after a job that was not a backup (a restore, a failed backup) ends', () => {
    const { clock, state, started, scheduler } = world();
    scheduler.scheduleChanged(UDID);
    scheduler.start();
    state.busy = true;
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 30));
    state.busy = false;
    scheduler.check();
    expect(started).toEqual([Date.UTC(2030, 0, 7, 2, 30)]);
  });

  it('reads the wall clock again at least every 15 minutes, so a computer that slept runs a passed slot on waking', () => {
    const { clock, started, scheduler } = world({ schedule: { frequency: 'weekly', time: '02:00', weekday: 1 } });
    scheduler.scheduleChanged(UDID);
    scheduler.start();
    expect(clock.nextTimerAt()! - clock.now()).toBe(15 * 60_000);
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 0) - 1);
    expect(started).toEqual([]);
    clock.advanceTo(Date.UTC(2030, 0, 7, 2, 0));
    expect(started).toEqual([Date.UTC(2030, 0, 7, 2, 0)]);
    scheduler.stop();
    expect(clock.nextTimerAt()).toBeUndefined();
  });
});
