import { describe, expect, it } from 'vitest';
import { type ChartDateFormat, chartDateLabels, labelsThatFit } from './chart-labels';

describe('storage chart labels', () => {
  it('draws every label when there is room', () => {
    expect([...labelsThatFit([50, 150, 250], ['Jan 1', 'Jan 2', 'Jan 3'])].sort()).toEqual([0, 1, 2]);
  });

  it('thins crowded labels so none overlap, always keeping the newest', () => {
    const centers = Array.from({ length: 12 }, (_, index) => 70 + index * 47);
    const labels = centers.map((_, index) => `Dec ${index + 1}, 5:4${index % 10} PM`);
    const shown = [...labelsThatFit(centers, labels)].sort((a, b) => a - b);
    expect(shown).toContain(11);
    expect(shown.length).toBeLessThan(12);
    expect(shown.length).toBeGreaterThan(2);
    for (let index = 1; index < shown.length; index++) {
      const [a, b] = [shown[index - 1]!, shown[index]!];
      const halfWidths = (labels[a]!.length + labels[b]!.length) * 3.3;
      expect(centers[b]! - centers[a]!).toBeGreaterThanOrEqual(halfWidths);
    }
  });

  it('never draws the same words twice in a row, even where there is room', () => {
    expect([...labelsThatFit([50, 250, 450], ['5:40 AM', '5:40 AM', '5:41 AM'])].sort()).toEqual([1, 2]);
  });
});

describe('storage chart dates', () => {
  // Fixed words in UTC, so the test does not depend on the machine's locale or time zone.
  const utc: ChartDateFormat = {
    day: (date) => `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()]} ${date.getUTCDate()}`,
    time: (date, seconds) => `${date.getUTCHours()}:${String(date.getUTCMinutes()).padStart(2, '0')}${seconds ? `:${String(date.getUTCSeconds()).padStart(2, '0')}` : ''}`,
  };

  it('says only the day when each backup has a day of its own', () => {
    expect(chartDateLabels(['2026-12-01T10:00:00Z', '2026-12-02T10:00:00Z'], utc)).toEqual(['Dec 1', 'Dec 2']);
  });

  it('labels by time when days repeat: the day once, on its first backup', () => {
    expect(chartDateLabels(['2026-12-02T09:00:00Z', '2026-12-03T05:40:00Z', '2026-12-03T05:52:00Z', '2026-12-03T06:10:00Z'], utc)).toEqual(['Dec 2, 9:00', 'Dec 3, 5:40', '5:52', '6:10']);
  });

  it('adds seconds where backups of one day share a minute, so no two labels read the same', () => {
    const labels = chartDateLabels(['2026-12-03T05:40:05Z', '2026-12-03T05:40:41Z', '2026-12-03T05:41:10Z'], utc);
    expect(labels).toEqual(['Dec 3, 5:40:05', '5:40:41', '5:41']);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
