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
  for (let index = centers.length - 1; index >= 0; index--) {
    const half = ((labels[index] ?? '').length * CHAR_WIDTH) / 2;
    const center = centers[index]!;
    if (center + half + GAP <= leftEdge) {
      shown.add(index);
      leftEdge = center - half;
    }
  }
  return shown;
}
