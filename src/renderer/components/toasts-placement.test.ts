import { describe, expect, it } from 'vitest';
import { TOASTS_MARGIN, toastsPlacement } from './toasts-placement';

describe('toasts clear of the keyboard focus', () => {
  const window = { width: 800, height: 600 };
  const toasts = { width: 320, height: 70 };
  const box = (left: number, top: number, width: number, height: number) => ({ left, top, right: left + width, bottom: top + height });

  it('stay at the foot while the focus is elsewhere', () => {
    expect(toastsPlacement([], [], toasts, window)).toBe('bottom');
    expect(toastsPlacement([box(235, 345, 140, 36)], [], toasts, window)).toBe('bottom');
  });

  it('go to the top when the focused button or its open menu is under them', () => {
    // "Restore Backup…" at the foot of an 800×600 window after an iCloud Photos backup.
    expect(toastsPlacement([box(605, 540, 160, 36)], [], toasts, window)).toBe('top');
    // A row's More button clear of them, but the menu it opened reaching down under them.
    expect(toastsPlacement([box(700, 480, 60, 30), box(600, 515, 160, 190)], [], toasts, window)).toBe('top');
  });

  it('hide while the focus is under both places, and touch nothing beside them', () => {
    expect(toastsPlacement([box(600, 0, 200, 600)], [], toasts, window)).toBe('hidden');
    const left = window.width - TOASTS_MARGIN - toasts.width;
    expect(toastsPlacement([box(0, 500, left, 100)], [], toasts, window)).toBe('bottom');
  });

  it('sit on no control when a corner is free of them (Import Photos at the foot of 800×600, issue 12)', () => {
    const importPhotos = box(600, 530, 150, 36);
    const sidebarLink = box(20, 20, 160, 30);
    expect(toastsPlacement([], [importPhotos, sidebarLink], toasts, window)).toBe('top');
    // Controls in both corners: the focus alone decides, as before.
    const topButton = box(650, 20, 120, 36);
    expect(toastsPlacement([], [importPhotos, topButton], toasts, window)).toBe('bottom');
    expect(toastsPlacement([importPhotos], [importPhotos, topButton], toasts, window)).toBe('top');
  });
});
