/**
 * Windowing math for long lists: which rows to put in the DOM for a scroll position. Pure, so it
 * is tested without a browser; the VirtualList component only measures and renders.
 */
export interface WindowInput {
  readonly scrollTop: number;
  readonly viewportHeight: number;
  readonly rowHeight: number;
  readonly total: number;
  /** Extra rows above and below the visible ones, so fast scrolling shows no gaps. */
  readonly overscan: number;
}

export interface WindowRange {
  /** First row to render. */
  readonly first: number;
  /** One past the last row to render. */
  readonly last: number;
  /** Where the first rendered row sits, in pixels from the top of the list. */
  readonly offsetTop: number;
  /** The height of the whole list, so the scrollbar is right. */
  readonly totalHeight: number;
}

export function visibleWindow({ scrollTop, viewportHeight, rowHeight, total, overscan }: WindowInput): WindowRange {
  const count = Math.max(0, Math.floor(total));
  const height = Math.max(1, rowHeight);
  const totalHeight = count * height;
  if (count === 0) return { first: 0, last: 0, offsetTop: 0, totalHeight };
  // A scroll position past the end (the list just got shorter) is clamped to the last screenful.
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportHeight));
  const firstVisible = Math.floor(top / height);
  const lastVisible = Math.ceil((top + Math.max(0, viewportHeight)) / height);
  const first = Math.max(0, firstVisible - overscan);
  const last = Math.min(count, Math.max(lastVisible, firstVisible + 1) + overscan);
  return { first, last, offsetTop: first * height, totalHeight };
}

/** The scrollTop that brings row `index` fully into view, or undefined when it already is. */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | undefined {
  const rowTop = index * rowHeight;
  if (rowTop < scrollTop) return rowTop;
  if (rowTop + rowHeight > scrollTop + viewportHeight) return rowTop + rowHeight - viewportHeight;
  return undefined;
}
