/**
 * When a backup schedule falls due, in wall-clock time: the computer's own time zone, or a named
 * IANA zone (tests). A slot is one per calendar day (daily) or per week (weekly), so a DST change
 * moves a slot's instant but never makes two slots on one day or none: a time the spring-forward
 * gap skips runs just after the gap (02:30 becomes 03:30), a time the fall-back repeats runs at its
 * first occurrence. Date arithmetic is done on calendar dates, never by adding 24 hours.
 */
import type { BackupScheduleView } from '../../shared/contract';

interface CalendarDate {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
}

interface WallClock extends CalendarDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const DAY_MS = 86_400_000;
/** A weekly slot is at most a week away; one more day covers a slot a gap pushed past midnight. */
const SEARCH_DAYS = 8;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      ...(timeZone ? { timeZone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(key, cached);
  }
  return cached;
}

function wallClock(instant: number, timeZone: string | undefined): WallClock {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((part) => [part.type, part.value]));
  const number = (name: string) => Number(parts[name]);
  return { year: number('year'), month: number('month'), day: number('day'), hour: number('hour') % 24, minute: number('minute'), second: number('second') };
}

/** Local minus UTC at an instant, in ms (+3 600 000 in Berlin in winter). */
function offsetAt(instant: number, timeZone: string | undefined): number {
  const wall = wallClock(instant, timeZone);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens on a date (Temporal's "compatible" disambiguation): the
 * earlier of two when the fall-back repeats it, the same distance past the gap when spring-forward skips it.
 */
function instantAt(date: CalendarDate, hour: number, minute: number, timeZone: string | undefined): number {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Offsets a day either side: transitions are months apart, so these are the two that can apply.
  const offsetBefore = offsetAt(asUtc - DAY_MS, timeZone);
  const offsetAfter = offsetAt(asUtc + DAY_MS, timeZone);
  const matches = [asUtc - offsetBefore, asUtc - offsetAfter].filter((instant) => {
    const wall = wallClock(instant, timeZone);
    return wall.year === date.year && wall.month === date.month && wall.day === date.day && wall.hour === hour && wall.minute === minute;
  });
  return matches.length > 0 ? Math.min(...matches) : asUtc - offsetBefore;
}

function addDays(date: CalendarDate, days: number): CalendarDate & { readonly weekday: number } {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate(), weekday: moved.getUTCDay() };
}

function slotOn(schedule: BackupScheduleView, date: CalendarDate & { readonly weekday: number }, timeZone: string | undefined): number | undefined {
  if (schedule.frequency === 'weekly' && date.weekday !== schedule.weekday) return undefined;
  const [hour, minute] = schedule.time.split(':').map(Number) as [number, number];
  return instantAt(date, hour, minute, timeZone);
}

/** The most recent slot at or before `now` (ms since the epoch). */
export function latestSlot(schedule: BackupScheduleView, now: number, timeZone?: string): number {
  const today = wallClock(now, timeZone);
  for (let back = 0; back <= SEARCH_DAYS; back += 1) {
    const slot = slotOn(schedule, addDays(today, -back), timeZone);
    if (slot !== undefined && slot <= now) return slot;
  }
  throw new Error(`No ${schedule.frequency} slot within ${SEARCH_DAYS} days before ${new Date(now).toISOString()}.`);
}

/** The first slot after `now`. */
export function nextSlot(schedule: BackupScheduleView, now: number, timeZone?: string): number {
  const today = wallClock(now, timeZone);
  for (let ahead = 0; ahead <= SEARCH_DAYS; ahead += 1) {
    const slot = slotOn(schedule, addDays(today, ahead), timeZone);
    if (slot !== undefined && slot > now) return slot;
  }
  throw new Error(`No ${schedule.frequency} slot within ${SEARCH_DAYS} days after ${new Date(now).toISOString()}.`);
}
