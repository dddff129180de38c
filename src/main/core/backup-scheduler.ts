import type { BackupScheduleView } from '../../shared/contract';
import type { ScheduleLedger } from './schedule-ledger';
import { latestSlot, nextSlot } from './schedule-slots';

/** Wall-clock time and a timer, injected so tests move time instead of waiting for it. */
export interface SchedulerClock {
  now(): number;
  /** Calls back after about `delayMs`; returns what cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    // A pending schedule never keeps a CLI or test process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * The wall clock is read again at least this often: a timer runs on a clock that stops while the
 * computer sleeps, and the time zone may change under it, so a long timer alone would fire late.
 */
const RECHECK_MS = 15 * 60_000;

interface BackupSchedulerOptions {
  readonly clock: SchedulerClock;
  /** IANA zone the schedule's times are in; default the computer's own. */
  readonly timeZone?: string;
  /** Every phone that has a schedule. */
  readonly schedules: () => ReadonlyArray<readonly [udid: string, schedule: BackupScheduleView]>;
  /** Connected (USB or Wi-Fi) and trusted. A locked screen or a missing password is waited for by the job itself. */
  readonly ready: (udid: string) => boolean;
  /** A job (any kind) is running for the phone: a phone serves one session at a time (§3). */
  readonly busy: (udid: string) => boolean;
  /** The newest complete backup (ISO-8601): any backup made after a slot, by hand or on connect, serves it. */
  readonly lastBackupAt: (udid: string) => string | undefined;
  readonly ledger: ScheduleLedger;
  readonly startBackup: (udid: string) => void;
  /** After each look at the clock: what `upcoming` says may have changed (the device list is sent again). */
  readonly checked?: () => void;
}

/**
 * Daily and weekly backups (issue 15 item 5). A phone is due when its latest slot is newer than
 * both its newest backup and the last time its schedule was served; it then backs up as soon as
 * it is connected, trusted and idle. However many slots passed while the computer was off or the
 * phone away, that is one backup when it next appears, because only the latest slot is compared.
 * Callers say when something changed (`check`): a phone arrived or was trusted, a job ended.
 */
export class BackupScheduler {
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: BackupSchedulerOptions) {}

  /** Serves what is due now (a slot missed while the app was not running) and arms the timer. */
  start(): void {
    this.stopped = false;
    this.check();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /**
   * A phone's schedule was set or changed: slots already past are not missed runs (turning a schedule
   * on starts nothing now, as turning on "back up when connected" does not).
   */
  scheduleChanged(udid: string): void {
    this.options.ledger.markServed(udid, this.options.clock.now());
    this.check();
  }

  /** Starts every due backup that can start, then waits for the next slot. */
  check(): void {
    if (this.stopped) return;
    const { clock, ledger } = this.options;
    const now = clock.now();
    for (const [udid, schedule] of this.options.schedules()) {
      if (!this.isDue(udid, schedule, now)) continue;
      // Not connected, not trusted or busy: the phone's arrival, trust or job end calls check() again.
      if (!this.options.ready(udid) || this.options.busy(udid)) continue;
      ledger.markServed(udid, now);
      this.options.startBackup(udid);
    }
    this.arm(now);
    this.options.checked?.();
  }

  /** What the phone's page says of its schedule: the next slot, or the passed one it still owes. */
  upcoming(udid: string): { readonly at: string; readonly due: boolean } | undefined {
    const schedule = this.options.schedules().find(([candidate]) => candidate === udid)?.[1];
    if (!schedule) return undefined;
    const now = this.options.clock.now();
    const due = this.isDue(udid, schedule, now);
    const at = due ? latestSlot(schedule, now, this.options.timeZone) : nextSlot(schedule, now, this.options.timeZone);
    return { at: new Date(at).toISOString(), due };
  }

  private isDue(udid: string, schedule: BackupScheduleView, now: number): boolean {
    const lastBackup = this.options.lastBackupAt(udid);
    const served = Math.max(this.options.ledger.servedUntil(udid) ?? Number.NEGATIVE_INFINITY, lastBackup ? Date.parse(lastBackup) : Number.NEGATIVE_INFINITY);
    return latestSlot(schedule, now, this.options.timeZone) > served;
  }

  private arm(now: number): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const schedules = this.options.schedules();
    if (schedules.length === 0) return;
    const soonest = Math.min(...schedules.map(([, schedule]) => nextSlot(schedule, now, this.options.timeZone)));
    this.cancelTimer = this.options.clock.setTimer(Math.min(Math.max(soonest - now, 0), RECHECK_MS), () => this.check());
  }
}
