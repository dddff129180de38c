/** The average width of one character of the chart's 11-unit axis font, in viewBox units (a little generous). */
const CHAR_WIDTH = 6.6;
/** Space kept between two labels. */
const GAP = 8;

/**
 * Which date labels under the bars to draw so that none overlap (issue 12: at 800 px they did):
 * walking from the newest (always shown, it matters most) back to the oldest, a label is drawn
 * only when it clears the last one drawn. `centers` are the labels' x positions, left to right.
 */
export function labelsThatFit(centers: readonly number[], labels: readonly string[]): ReadonlySet<number> {
  const shown = new Set<number>();
  let leftEdge = Number.POSITIVE_INFINITY;
  let lastText: string | undefined;
  for (let index = centers.length - 1; index >= 0; index--) {
    const text = labels[index] ?? '';
    const half = (text.length * CHAR_WIDTH) / 2;
    const center = centers[index]!;
    // The same words twice in a row would say two backups are one: the newer one speaks for both.
    if (center + half + GAP <= leftEdge && text !== lastText) {
      shown.add(index);
      leftEdge = center - half;
      lastText = text;
    }
  }
  return shown;
}

/** How the chart writes a day and a time; the locale's by default, fixed in tests. */
export interface ChartDateFormat {
  /** The calendar day, e.g. "Dec 3"; two dates with the same day give the same text. */
  day(date: Date): string;
  /** The time of day, e.g. "5:40 AM", or "5:40:12 AM" with seconds. */
  time(date: Date, seconds: boolean): string;
}

export const LOCALE_CHART_FORMAT: ChartDateFormat = {
  day: (date) => date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }),
  time: (date, seconds) => date.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) }),
};

/**
 * The labels under the bars, oldest to newest, so that no two read the same (issue 12: backups made
 * minutes apart all read "Dec 3, 5:40 AM", and, thinned, the same text stood twice). Days when every
 * backup has a day of its own; else the day once, on its first backup, and the time on each (with
 * seconds where two of one day share a minute).
 */
export function chartDateLabels(isoDates: readonly string[], format: ChartDateFormat = LOCALE_CHART_FORMAT): string[] {
  const dates = isoDates.map((iso) => new Date(iso));
  const days = dates.map((date) => format.day(date));
  if (new Set(days).size === days.length) return days;
  const minutes = dates.map((date, index) => `${days[index]} ${format.time(date, false)}`);
  return dates.map((date, index) => {
    const sharesMinute = minutes.filter((minute) => minute === minutes[index]).length > 1;
    const time = format.time(date, sharesMinute);
    return index === 0 || days[index - 1] !== days[index] ? `${days[index]}, ${time}` : time;
  });
}
