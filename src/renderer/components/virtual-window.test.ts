import { describe, expect, it } from 'vitest';
import { pagesFor } from '../store/browser-slice';
import { scrollToReveal, visibleWindow } from './virtual-window';

describe('visibleWindow', () => {
  const base = { viewportHeight: 400, rowHeight: 40, overscan: 5 };

  it('renders only a screenful plus overscan out of 500 000 rows, wherever it is scrolled', () => {
    const total = 500_000;
    for (const scrollTop of [0, 40 * 1234 + 17, 40 * 250_000, 40 * total]) {
      const range = visibleWindow({ ...base, total, scrollTop });
      expect(range.last - range.first).toBeLessThanOrEqual(400 / 40 + 1 + 2 * 5);
      expect(range.last - range.first).toBeGreaterThanOrEqual(400 / 40);
      expect(range.totalHeight).toBe(total * 40);
      expect(range.offsetTop).toBe(range.first * 40);
      // The rows actually on screen are inside the rendered window.
      const top = Math.min(scrollTop, range.totalHeight - 400);
      expect(range.first).toBeLessThanOrEqual(Math.floor(top / 40));
      expect(range.last).toBeGreaterThanOrEqual(Math.min(total, Math.ceil((top + 400) / 40)));
    }
  });

  it('starts at row 0 and ends at the last row', () => {
    expect(visibleWindow({ ...base, total: 500_000, scrollTop: 0 })).toMatchObject({ first: 0, last: 15 });
    const end = visibleWindow({ ...base, total: 500_000, scrollTop: 1e12 });
    expect(end.last).toBe(500_000);
    expect(end.first).toBe(500_000 - 10 - 5);
  });

  it('handles short and empty lists', () => {
    expect(visibleWindow({ ...base, total: 3, scrollTop: 0 })).toEqual({ first: 0, last: 3, offsetTop: 0, totalHeight: 120 });
    expect(visibleWindow({ ...base, total: 0, scrollTop: 50 })).toEqual({ first: 0, last: 0, offsetTop: 0, totalHeight: 0 });
  });

  it('scrolls just enough to reveal a row above or below the viewport', () => {
    expect(scrollToReveal(5, 400, 400, 40)).toBe(200);
    expect(scrollToReveal(25, 400, 400, 40)).toBe(25 * 40 + 40 - 400);
    expect(scrollToReveal(12, 400, 400, 40)).toBeUndefined();
  });

  it('asks for the pages that hold a window of rows', () => {
    expect(pagesFor(0, 15, 500)).toEqual([0]);
    expect(pagesFor(495, 510, 500)).toEqual([0, 1]);
    expect(pagesFor(499_990, 500_000, 500)).toEqual([999]);
    expect(pagesFor(10, 10, 500)).toEqual([]);
  });
});
