/** A box on screen, in CSS pixels from the window's top left. */
export interface ScreenBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** The toasts' gap from the window's edges (styles.css `.toasts`: 1rem at 15 px). */
export const TOASTS_MARGIN = 15;

/**
 * Where the toasts go so they cover none of `focused` (the focused element and its open menu):
 * the window's bottom right corner, else its top right corner, else nowhere until the focus moves.
 */
export function toastsPlacement(focused: readonly ScreenBox[], toasts: { readonly width: number; readonly height: number }, window: { readonly width: number; readonly height: number }): 'bottom' | 'top' | 'hidden' {
  const left = window.width - TOASTS_MARGIN - toasts.width;
  const right = window.width - TOASTS_MARGIN;
  const bottom: ScreenBox = { left, right, top: window.height - TOASTS_MARGIN - toasts.height, bottom: window.height - TOASTS_MARGIN };
  const top: ScreenBox = { left, right, top: TOASTS_MARGIN, bottom: TOASTS_MARGIN + toasts.height };
  if (!focused.some((box) => overlaps(box, bottom))) return 'bottom';
  if (!focused.some((box) => overlaps(box, top))) return 'top';
  return 'hidden';
}

function overlaps(a: ScreenBox, b: ScreenBox): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
