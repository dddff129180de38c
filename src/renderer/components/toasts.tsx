import { type RefObject, useEffect, useRef, useState } from 'react';
import type { NoticeView } from '../../shared/contract';
import { useActions, useAppState } from '../app/store-context';
import { toastsPlacement } from './toasts-placement';

/** How long an informational toast stays; errors stay until dismissed. */
const TOAST_MS = 6_000;

export function Toasts() {
  const notices = useAppState((state) => state.ui.notices);
  const region = useRef<HTMLDivElement>(null);
  const placement = useClearOfFocus(region, notices.length > 0);
  return (
    <div ref={region} className={`toasts toasts-${placement}`} role="status" aria-live="polite" aria-label="Notifications" data-placement={placement}>
      {notices.map((notice) => (
        <Toast key={notice.id} notice={notice} />
      ))}
    </div>
  );
}

/**
 * Where the toasts may sit so they never hide what has the keyboard focus (WCAG 2.4.11), an open
 * menu included: at the window's foot as usual, at its top when the focus is down there, hidden
 * while it is under both. Looked at again when the focus moves, the page scrolls or the window resizes.
 */
function useClearOfFocus(region: RefObject<HTMLDivElement | null>, any: boolean): 'bottom' | 'top' | 'hidden' {
  const [placement, setPlacement] = useState<'bottom' | 'top' | 'hidden'>('bottom');
  useEffect(() => {
    if (!any) {
      setPlacement('bottom');
      return;
    }
    let frame = 0;
    const check = (): void => {
      cancelAnimationFrame(frame);
      // After the browser has scrolled the newly focused element into view.
      frame = requestAnimationFrame(() => {
        const box = region.current?.getBoundingClientRect();
        if (!box) return;
        const focused = document.activeElement;
        const covered = focused && focused !== document.body ? [focused, focused.closest('[role="menu"]')].filter((element): element is Element => element !== null).map((element) => element.getBoundingClientRect()) : [];
        setPlacement(toastsPlacement(covered, { width: box.width, height: box.height }, { width: window.innerWidth, height: window.innerHeight }));
      });
    };
    check();
    document.addEventListener('focusin', check);
    document.addEventListener('scroll', check, { capture: true, passive: true });
    window.addEventListener('resize', check);
    return () => {
      cancelAnimationFrame(frame);
      document.removeEventListener('focusin', check);
      document.removeEventListener('scroll', check, { capture: true });
      window.removeEventListener('resize', check);
    };
  }, [region, any]);
  return placement;
}

function Toast({ notice }: { readonly notice: NoticeView }) {
  const { dismissNotice } = useActions();
  useEffect(() => {
    if (notice.level === 'error') return;
    const timer = setTimeout(() => dismissNotice(notice.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [notice, dismissNotice]);
  return (
    <div className={`toast toast-${notice.level}`} data-testid="toast">
      <div>
        <strong>{notice.title}</strong>
        {notice.body ? <p>{notice.body}</p> : null}
      </div>
      <button type="button" className="link" onClick={() => dismissNotice(notice.id)} aria-label={`Dismiss: ${notice.title}`}>
        ×
      </button>
    </div>
  );
}
