import { describe, expect, it } from 'vitest';
import { latestSlot, nextSlot } from '../../src/main/core/schedule-slots';
import type { BackupScheduleView } from '../../src/shared/contract';

/** The wall-clock reading of an instant in a zone, as a person there would read it ("2026-03-29 03:30"). */
function local(instant: number, timeZone: string): string {
  return new Date(instant).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16);
}

/** The slots from `from` on, one after the other. */
function slotsAfter(schedule: BackupScheduleView, from: number, count: number, timeZone: string): number[] {
  const slots: number[] = [];
  let at = from;
  for (let i = 0; i < count; i += 1) slots.push((at = nextSlot(schedule, at, timeZone)));
  return slots;
}

const HOUR = 3_600_000;
const daily = (time: string): BackupScheduleView => ({ frequency: 'daily', time });

describe('schedule slots in wall-clock time', () => {
  it('finds the latest and the next daily and weekly slot, the latest at the slot itself included', () => {
    const wednesdayNoon = Date.UTC(2030, 0, 9, 12, 0);
    expect(new Date(latestSlot(daily('02:00'), wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-09T02:00:00.000Z');
    expect(new Date(latestSlot(daily('13:00'), wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-08T13:00:00.000Z');
    expect(new Date(nextSlot(daily('13:00'), wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-09T13:00:00.000Z');
    expect(latestSlot(daily('12:00'), wednesdayNoon, 'UTC')).toBe(wednesdayNoon);
    expect(nextSlot(daily('12:00'), wednesdayNoon, 'UTC')).toBe(wednesdayNoon + 24 * HOUR);
    const sundayEvening: BackupScheduleView = { frequency: 'weekly', time: '20:00', weekday: 0 };
    expect(new Date(latestSlot(sundayEvening, wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-06T20:00:00.000Z');
    expect(new Date(nextSlot(sundayEvening, wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-13T20:00:00.000Z');
    const wednesdayMorning: BackupScheduleView = { frequency: 'weekly', time: '09:00', weekday: 3 };
    expect(new Date(latestSlot(wednesdayMorning, wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-09T09:00:00.000Z');
    expect(new Date(nextSlot(wednesdayMorning, wednesdayNoon, 'UTC')).toISOString()).toBe('2030-01-16T09:00:00.000Z');
  });

  it('keeps one daily slot per calendar day when spring-forward skips its time (Berlin 02:30 runs at 03:30)', () => {
    const zone = 'Europe/Berlin';
    const slots = slotsAfter(daily('02:30'), Date.UTC(2026, 2, 27, 0, 0), 4, zone);
    expect(slots.map((slot) => local(slot, zone))).toEqual(['2026-03-27 02:30', '2026-03-28 02:30', '2026-03-29 03:30', '2026-03-30 02:30']);
    // The day of the change is 23 hours long: the slots are a wall-clock day apart, not 24 hours.
    expect(slots[3]! - slots[1]!).toBe(47 * HOUR);
    expect(local(latestSlot(daily('02:30'), Date.UTC(2026, 2, 29, 12), zone), zone)).toBe('2026-03-29 03:30');
  });

  it('runs a time the fall-back repeats once, at its first occurrence (Berlin, 25 October 2026)', () => {
    const zone = 'Europe/Berlin';
    const slots = slotsAfter(daily('02:30'), Date.UTC(2026, 9, 24, 12), 2, zone);
    expect(new Date(slots[0]!).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // Not again an hour later at the second 02:30 (01:30 UTC): the next is the next day.
    expect(local(slots[1]!, zone)).toBe('2026-10-26 02:30');
    expect(slots[1]! - slots[0]!).toBe(25 * HOUR);
    expect(latestSlot(daily('02:30'), Date.UTC(2026, 9, 25, 1, 45), zone)).toBe(slots[0]);
  });

  it('keeps a weekly slot at its wall-clock time across a DST change (New York, Monday 09:00)', () => {
    const zone = 'America/New_York';
    const monday: BackupScheduleView = { frequency: 'weekly', time: '09:00', weekday: 1 };
    const slots = slotsAfter(monday, Date.UTC(2026, 2, 1), 2, zone);
    expect(slots.map((slot) => new Date(slot).toISOString())).toEqual(['2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    expect(slots.map((slot) => local(slot, zone))).toEqual(['2026-03-02 09:00', '2026-03-09 09:00']);
  });

  it('copes with a half-hour DST shift (Lord Howe Island) and a zone far east of UTC', () => {
    const lordHowe = 'Australia/Lord_Howe';
    // 4 October 2026: 02:00 becomes 02:30; 02:15 does not exist and runs half an hour later.
    const gap = slotsAfter(daily('02:15'), Date.UTC(2026, 9, 2, 12), 3, lordHowe);
    expect(gap.map((slot) => local(slot, lordHowe))).toEqual(['2026-10-03 02:15', '2026-10-04 02:45', '2026-10-05 02:15']);
    const kiritimati = 'Pacific/Kiritimati';
    const slot = latestSlot(daily('23:30'), Date.UTC(2030, 0, 1, 0, 0), kiritimati);
    expect(local(slot, kiritimati)).toBe('2029-12-31 23:30');
  });
});
