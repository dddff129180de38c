import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { visibleWindow } from './virtual-window';

interface VirtualListProps {
  readonly total: number;
  readonly rowHeight: number;
  /** The scroll area's height in pixels. */
  readonly height: number;
  readonly label: string;
  /** Renders row `index`; called only for rows in the window. */
  readonly renderRow: (index: number) => ReactNode;
  /** Told which rows are in the window, so their data can be fetched. */
  readonly onWindowChange?: (first: number, last: number) => void;
  /** Changing it scrolls back to the top (a new folder or search). */
  readonly resetKey?: string | number;
  readonly testId?: string;
  /** Makes the scroll area itself a Tab stop, for lists whose rows hold nothing focusable (WCAG: keyboard users must reach every scroll area). */
  readonly focusable?: boolean;
}

const OVERSCAN = 8;

/**
 * A list that puts only the rows on screen (plus a few) into the DOM, so 500 000 rows scroll as
 * smoothly as 50: a tall spacer gives the scrollbar its length and the window is moved inside it.
 */
export function VirtualList({ total, rowHeight, height, label, renderRow, onWindowChange, resetKey, testId, focusable }: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const range = visibleWindow({ scrollTop, viewportHeight: height, rowHeight, total, overscan: OVERSCAN });

  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [resetKey]);

  useEffect(() => {
    onWindowChange?.(range.first, range.last);
  }, [range.first, range.last, onWindowChange]);

  const rows: ReactNode[] = [];
  for (let index = range.first; index < range.last; index++) rows.push(renderRow(index));
  return (
    <div
      ref={scroller}
      className="virtual-list"
      style={{ height, overflowY: 'auto', position: 'relative' }}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      role="list"
      aria-label={label}
      data-testid={testId}
      data-total={total}
      {...(focusable ? { tabIndex: 0 } : {})}
    >
      <div style={{ height: range.totalHeight, position: 'relative' }}>
        <div style={{ position: 'absolute', top: range.offsetTop, left: 0, right: 0 }}>{rows}</div>
      </div>
    </div>
  );
}
