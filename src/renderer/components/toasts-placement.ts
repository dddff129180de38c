/** A box on screen, in CSS pixels from the window's top left. */
export interface ScreenBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** The toasts' gap from the window's edges (styles.css `.toasts`: 1rem at 15 px). */
export const TOASTS_MARGIN = 15;

export type ToastsPlacement = 'bottom' | 'top' | 'hidden';

/**
 * What a toast must not sit on: anything a person can press or type into. (Toasts' own buttons are
 * left out by the caller.)
 */
export const CONTROL_SELECTOR = [
  'button', 'a[href]', 'input', 'select', 'textarea', 'summary',
  '[role="button"]', '[role="switch"]', '[role="checkbox"]', '[role="menuitem"]', '[role="tab"]', '[role="link"]',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');

/**
 * Where the toasts go: the window's bottom right corner, else its top right corner, wherever they
 * cover no control at all (at 800×600 the bottom one sat on Import Photos, issue 12). Where both
 * would cover one, the first that at least leaves the focused element and its open menu (`focused`)
 * clear (WCAG 2.4.11); where neither does, nowhere until the focus moves.
 */
export function toastsPlacement(
  focused: readonly ScreenBox[],
  controls: readonly ScreenBox[],
  toasts: { readonly width: number; readonly height: number },
  window: { readonly width: number; readonly height: number },
): ToastsPlacement {
  const left = window.width - TOASTS_MARGIN - toasts.width;
  const right = window.width - TOASTS_MARGIN;
  const spots: ReadonlyArray<readonly [ToastsPlacement, ScreenBox]> = [
    ['bottom', { left, right, top: window.height - TOASTS_MARGIN - toasts.height, bottom: window.height - TOASTS_MARGIN }],
    ['top', { left, right, top: TOASTS_MARGIN, bottom: TOASTS_MARGIN + toasts.height }],
  ];
  const clearOf = (boxes: readonly ScreenBox[]) => spots.find(([, spot]) => !boxes.some((box) => overlaps(box, spot)))?.[0];
  return clearOf([...focused, ...controls]) ?? clearOf(focused) ?? 'hidden';
}

function overlaps(a: ScreenBox, b: ScreenBox): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
