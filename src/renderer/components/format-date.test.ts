import { describe, expect, it } from 'vitest';
import { formatDateAmong, formatDatesApart } from './format-date';

// Fixed words in UTC, so the test does not depend on the machine's locale or time zone.
const utc = (iso: string, seconds: boolean) => iso.slice(0, seconds ? 19 : 16).replace('T', ' ');

describe('dates of a list of backups', () => {
  it('adds the seconds only where two backups share a minute, so every row reads differently', () => {
    const dates = formatDatesApart(['2026-12-03T05:53:02Z', '2026-12-03T05:53:50Z', '2026-12-03T06:10:00Z', '2026-12-01T09:00:00Z'], utc);
    expect([...dates.values()]).toEqual(['2026-12-03 05:53:02', '2026-12-03 05:53:50', '2026-12-03 06:10', '2026-12-01 09:00']);
  });

  it('names one backup as its list does: with seconds only when another in the list shares its minute', () => {
    const list = ['2026-12-03T05:53:02Z', '2026-12-03T05:53:50Z', '2026-12-01T09:00:00Z'];
    expect(formatDateAmong('2026-12-03T05:53:50Z', list, utc)).toBe('2026-12-03 05:53:50');
    expect(formatDateAmong('2026-12-01T09:00:00Z', list, utc)).toBe('2026-12-01 09:00');
    expect(formatDateAmong('2026-12-01T09:00:00Z', [], utc)).toBe('2026-12-01 09:00');
  });

  it('names a backup with its seconds, as its list does, when another has the very same time (an archive of it)', () => {
    const list = ['2026-12-03T05:53:02Z', '2026-12-03T05:53:02Z', '2026-12-01T09:00:00Z'];
    expect(formatDatesApart(list, utc).get('2026-12-03T05:53:02Z')).toBe('2026-12-03 05:53:02');
    expect(formatDateAmong('2026-12-03T05:53:02Z', list, utc)).toBe('2026-12-03 05:53:02');
    // Not in the list it is named among: as if it were one more row of it.
    expect(formatDateAmong('2026-12-03T05:53:02Z', ['2026-12-03T05:53:02Z'], utc)).toBe('2026-12-03 05:53');
    expect(formatDateAmong('2026-12-03T05:53:40Z', ['2026-12-03T05:53:02Z'], utc)).toBe('2026-12-03 05:53:40');
  });
});
