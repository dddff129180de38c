import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT, SCREENSHOT_DIR, SIZES, STEP_MS } from './web-helpers';

/**
 * The accessibility checks every browser test can run on its screens (issue 12): axe-core with no
 * serious or critical violation, no sideways scroll, a screenshot at both window sizes, and modal
 * dialogs that keep the focus. Browser-side snippets are strings: the node tsconfig has no DOM types.
 */

const AXE_SOURCE = fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** What a screen reader would call the focused element (label, aria-label or text). */
const FOCUSED_NAME = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return '';
  const labelled = element.getAttribute('aria-labelledby');
  const byId = labelled ? document.getElementById(labelled)?.textContent : undefined;
  const label = element.labels?.[0]?.textContent;
  return (element.getAttribute('aria-label') ?? byId ?? label ?? element.textContent ?? '').trim();
})()`;
const FOCUS_IN_DIALOG = `!!document.activeElement?.closest('dialog[open]')`;
const TWO_FRAMES = `new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))`;
const HAS_AXE = `'axe' in window`;
const SERIOUS_AXE_VIOLATIONS = `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations
  .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
  .map((violation) => violation.id + ' (' + violation.impact + '): ' + violation.help + ' at ' + violation.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)).join(', ')))`;
const OVERFLOW = `({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })`;

export function focusedName(page: Page): Promise<string> {
  return page.evaluate<string>(FOCUSED_NAME);
}

/** Whether the focus is inside the open modal dialog. */
export function focusInDialog(page: Page): Promise<boolean> {
  return page.evaluate<boolean>(FOCUS_IN_DIALOG);
}

/** Presses Tab until the focused element's name matches, as a keyboard user scanning the page would. */
export async function tabTo(page: Page, name: RegExp, max = 80): Promise<void> {
  const seen: string[] = [];
  for (let step = 0; step < max; step++) {
    await page.keyboard.press('Tab');
    const current = await focusedName(page);
    if (name.test(current)) return;
    seen.push(current);
  }
  throw new Error(`Tab never reached ${String(name)}; it went through: ${seen.join(' | ')}`);
}

/**
 * At both sizes: axe-core finds nothing serious or critical, the page does not scroll sideways, and
 * `test-results/screenshots/<feature>-<state>-<width>.png` is kept. Ends at 800×600.
 */
export async function checkScreen(page: Page, feature: string, state: string): Promise<void> {
  for (const size of [...SIZES].reverse()) {
    await page.setViewportSize(size);
    // Let layout settle on the new size (two frames), not a fixed sleep.
    await page.evaluate(TWO_FRAMES);
    // Evaluated rather than added as a <script>: the app's CSP (script-src 'self') rightly refuses inline scripts.
    if (!(await page.evaluate<boolean>(HAS_AXE))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate<string[]>(SERIOUS_AXE_VIOLATIONS);
    expect(violations, `${feature}-${state}-${size.width}`).toEqual([]);
    const overflow = await page.evaluate<{ scroll: number; inner: number }>(OVERFLOW);
    expect(overflow.scroll, `${feature}-${state}-${size.width} scrolls sideways`).toBeLessThanOrEqual(overflow.inner);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${feature}-${state}-${size.width}.png`) });
  }
}

/** Fifteen Tabs and three Shift+Tabs stay inside the open dialog named `name`. */
export async function expectFocusTrapped(page: Page, name: RegExp): Promise<void> {
  await page.getByRole('dialog', { name }).waitFor({ timeout: STEP_MS });
  expect(await focusInDialog(page)).toBe(true);
  for (let step = 0; step < 15; step++) {
    await page.keyboard.press('Tab');
    expect(await focusInDialog(page), `Tab ${step + 1} left the dialog`).toBe(true);
  }
  for (let step = 0; step < 3; step++) {
    await page.keyboard.press('Shift+Tab');
    expect(await focusInDialog(page), `Shift+Tab ${step + 1} left the dialog`).toBe(true);
  }
}

/** The focus stays trapped in the dialog; Escape closes it and the focus goes back to `opener`. */
export async function expectModal(page: Page, name: RegExp, opener: RegExp): Promise<void> {
  await expectFocusTrapped(page, name);
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name }).waitFor({ state: 'detached', timeout: STEP_MS });
  expect(await focusedName(page)).toMatch(opener);
}
