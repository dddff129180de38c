import { type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { NoticeView } from '../../shared/contract';
import { useActions, useAppState } from '../app/store-context';
import { CONTROL_SELECTOR, type ToastsPlacement, toastsPlacement } from './toasts-placement';

/** How long an informational toast stays; errors stay until dismissed. */
const TOAST_MS = 6_000;

export function Toasts() {
  const notices = useAppState((state) => state.ui.notices);
  const region = useRef<HTMLDivElement>(null);
  const placement = useClearOfControls(region, notices);
  return (
    <div ref={region} className={`toasts toasts-${placement}`} role="status" aria-live="polite" aria-label="Notifications" data-placement={placement}>
      {notices.map((notice) => (
        <Toast key={notice.id} notice={notice} />
      ))}
    </div>
  );
}

/** The boxes of the controls on screen, the toasts' own left out. */
function controlBoxes(region: HTMLElement): DOMRect[] {
  return [...document.querySelectorAll(CONTROL_SELECTOR)]
    .filter((element) => !region.contains(element))
    .map((element) => element.getBoundingClientRect())
    .filter((box) => box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight);
}

/**
 * Where the toasts may sit (toasts-placement.ts): on no control if they can, never on what has the
 * keyboard focus (WCAG 2.4.11), an open menu included. Measured before the first paint of each new
 * toast, so none shows for a frame on a button, and again when the focus moves, the page scrolls,
 * the window resizes or the page changes under them (a button appears after a backup).
 */
function useClearOfControls(region: RefObject<HTMLDivElement | null>, notices: readonly NoticeView[]): ToastsPlacement {
  const [placement, setPlacement] = useState<ToastsPlacement>('bottom');
  const any = notices.length > 0;
  const measure = useCallback((): void => {
    const element = region.current;
    if (!element) return;
    const box = element.getBoundingClientRect();
    const focused = document.activeElement;
    const covered = focused && focused !== document.body ? [focused, focused.closest('[role="menu"]')].filter((candidate): candidate is Element => candidate !== null).map((candidate) => candidate.getBoundingClientRect()) : [];
    setPlacement(toastsPlacement(covered, controlBoxes(element), { width: box.width, height: box.height }, { width: window.innerWidth, height: window.innerHeight }));
  }, [region]);
  // Before the browser paints a new toast.
  useLayoutEffect(() => {
    if (any) measure();
    else setPlacement('bottom');
  }, [notices, any, measure]);
  useEffect(() => {
    if (!any) return;
    let frame = 0;
    const check = (): void => {
      cancelAnimationFrame(frame);
      // After the browser has scrolled the newly focused element into view, or laid out the change.
      frame = requestAnimationFrame(measure);
    };
    const changes = new MutationObserver(check);
    changes.observe(document.body, { childList: true, subtree: true });
    document.addEventListener('focusin', check);
    document.addEventListener('scroll', check, { capture: true, passive: true });
    window.addEventListener('resize', check);
    return () => {
      cancelAnimationFrame(frame);
      changes.disconnect();
      document.removeEventListener('focusin', check);
      document.removeEventListener('scroll', check, { capture: true });
      window.removeEventListener('resize', check);
    };
  }, [any, measure]);
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
