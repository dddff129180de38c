import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../src/main/core/app-core';
import type { WebBridge } from '../src/main/web';
import type { NoticeView } from '../src/shared/contract';
import type { VirtualDevice } from '../src/simulator/device/virtual-device';
import { HAS_CHROMIUM, nextJobFinished, SCREENSHOT_DIR, SIZES, STEP_MS, startWebApp, type WebApp } from './web-helpers';

const [SMALL, LARGE] = SIZES;
/** The small phone (8.5 MB) over this link takes about 20 s: long enough for a steady rate. */
const SLOW_LINK_BYTES_PER_SECOND = 450_000;

/** What the page shows of a running job at one moment. */
interface Sample {
  readonly at: number;
  readonly phase: string | null;
  readonly percent: string;
  readonly files: string;
  readonly eta: string;
  readonly title: string;
  readonly sidebar: string;
}

/**
 * Issue 12, honest progress, as a person sees it in the browser at 800×600 and 1600×1000: a
 * backup whose percent only climbs, with no "N of N" and no time left in its first seconds (then a
 * plausible one), the running job in the sidebar and the window title; and a restore whose planned
 * restart is said as such (no "was unplugged"), continuing to its result when the phone is back.
 */
describe.skipIf(!HAS_CHROMIUM)('browser mode: honest progress and the restore’s restart', () => {
  let app: WebApp;
  let core: AppCore;
  let bridge: WebBridge;
  let page: Page;
  let device: VirtualDevice;
  const notices: NoticeView[] = [];

  beforeAll(async () => {
    app = await startWebApp({ onCore: (started) => started.on('notify', (notice) => notices.push(notice)) });
    ({ core, bridge, page, device } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${page.viewportSize()?.width ?? 0}.png`) });

  /** Runs in the page (a string: the node tsconfig has no DOM types). */
  const SAMPLE_SCRIPT = `(() => {
    const panel = document.querySelector('[data-testid="job-progress"]');
    if (!panel) return undefined;
    const text = (id) => panel.querySelector('[data-testid="' + id + '"]')?.textContent ?? '';
    return {
      at: Date.now(),
      phase: panel.getAttribute('data-phase'),
      percent: text('job-percent'),
      files: text('job-files'),
      eta: text('job-eta'),
      title: document.title,
      sidebar: document.querySelector('[data-testid="device-item-status"]')?.textContent ?? '',
    };
  })()`;

  /** Records every change of the sidebar's status line into window.sidebarStatuses. */
  const WATCH_SIDEBAR_SCRIPT = `(() => {
    const statuses = [];
    window.sidebarStatuses = statuses;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="device-item-status"]')?.textContent ?? '';
      if (statuses.at(-1) !== text) statuses.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`;

  const sample = (): Promise<Sample | undefined> => page.evaluate(SAMPLE_SCRIPT) as Promise<Sample | undefined>;

  it('backs up with a percent that only climbs, no made-up totals, and time left only once steady', async () => {
    await page.setViewportSize(SMALL);
    await page.goto(bridge.url);
    await page.getByRole('button', { name: 'Trust this computer' }).click({ timeout: STEP_MS });
    await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    expect(await page.title()).toBe('Lifeboat');

    device.setFaults({ linkBytesPerSecond: SLOW_LINK_BYTES_PER_SECOND });
    const finished = nextJobFinished(core, 'backup');
    await page.getByTestId('backup-now').click();
    await page.getByTestId('job-progress').waitFor({ timeout: STEP_MS });
    const samples: Sample[] = [];
    const shots = new Set<string>();
    let done = false;
    void finished.then(() => (done = true));
    while (!done) {
      const now = await sample();
      if (now) {
        samples.push(now);
        const firstTransfer = samples.find((entry) => entry.phase === 'transferring');
        const seconds = firstTransfer ? (now.at - firstTransfer.at) / 1000 : 0;
        const moment = firstTransfer && seconds > 2 && !shots.has('early') ? 'early' : /about/.test(now.eta) && !shots.has('steady') ? 'steady' : undefined;
        if (moment) {
          shots.add(moment);
          // The same moment on a small and a big screen.
          await shot(`progress-backup-${moment}`);
          await page.setViewportSize(LARGE);
          await shot(`progress-backup-${moment}`);
          await page.setViewportSize(SMALL);
        }
      }
      await page.waitForTimeout(150);
    }
    device.setFaults({ linkBytesPerSecond: undefined });
    expect((await finished).outcome).toBe('succeeded');

    const transferring = samples.filter((entry) => entry.phase === 'transferring');
    expect(transferring.length).toBeGreaterThan(20);
    const percents = samples.map((entry) => entry.percent).filter((text) => text !== '').map((text) => Number.parseInt(text, 10));
    // Never backwards, and a climb rather than a jump to 88 % that sits there.
    for (let index = 1; index < percents.length; index += 1) expect(percents[index]).toBeGreaterThanOrEqual(percents[index - 1]!);
    expect(new Set(percents).size).toBeGreaterThanOrEqual(8);
    const start = transferring[0]!.at;
    const atTwoSeconds = transferring.find((entry) => entry.at - start >= 2_000);
    expect(Number.parseInt(atTwoSeconds?.percent ?? '0', 10)).toBeLessThan(50);
    // Files that arrived are not a total: never "N of N".
    for (const entry of samples) expect(entry.files).toMatch(/^Files\d+$/);
    // No time left in the first 10 seconds; then a plausible, rounded one.
    for (const entry of transferring.filter((candidate) => candidate.at - start < 9_000)) expect(entry.eta).toBe('Time leftEstimating…');
    const etas = transferring.map((entry) => entry.eta).filter((text) => /about/.test(text));
    expect(etas.length).toBeGreaterThan(0);
    for (const eta of etas) expect(eta).toMatch(/^Time leftabout (\d+ s|\d+ min( \d+ s)?)$/);
    // The running job in the sidebar and the window title, with the same percent.
    const withPercent = transferring.filter((entry) => /^\d+%$/.test(entry.percent));
    expect(withPercent.length).toBeGreaterThan(0);
    for (const entry of withPercent.slice(-5)) {
      const percent = Number.parseInt(entry.percent, 10);
      expect(entry.title).toBe(`Backing up · ${percent} % — Lifeboat`);
      expect(entry.sidebar).toBe(`Backing up · ${percent} %`);
    }
    await expect.poll(() => page.title(), { timeout: STEP_MS }).toBe('Lifeboat');
    await page.getByTestId('backup-row').first().waitFor({ timeout: STEP_MS });
  });

  for (const viewport of [SMALL, LARGE]) {
    it(`restores at ${viewport.width}×${viewport.height}: the planned restart is a phase, not an unplug, and the wizard continues`, async () => {
      await page.setViewportSize(viewport);
      await page.getByTestId('restore-backup').click({ timeout: STEP_MS });
      const wizard = page.getByTestId('restore-wizard');
      await wizard.waitFor();
      await wizard.getByRole('button', { name: 'Continue' }).click();
      await wizard.getByTestId('preflight').waitFor({ timeout: STEP_MS });
      await wizard.getByRole('button', { name: 'Continue' }).click();
      await page.locator('[data-testid="restore-wizard"][data-step="options"]').waitFor();
      const before = notices.length;
      // What the sidebar said, every change of it, and whether the phone was ever away.
      await page.evaluate(WATCH_SIDEBAR_SCRIPT);
      let wasAway = false;
      const stopWatching = core.on('devices:changed', ({ devices }) => {
        if (devices.some((listed) => listed.udid === device.udid && !listed.connected)) wasAway = true;
      });
      const finished = nextJobFinished(core, 'restore');
      await wizard.getByRole('button', { name: 'Restore' }).click();

      const restarting = page.getByTestId('restarting');
      await restarting.waitFor({ timeout: STEP_MS });
      expect(await restarting.textContent()).toContain('Your iPhone is restarting…');
      // No percent, speed or Cancel for the restart: the data is all on the phone.
      expect(await wizard.getByTestId('job-progress').count()).toBe(0);
      expect(await page.title()).toBe('Restarting… — Lifeboat');
      await shot('restore-restarting');

      expect((await finished).outcome).toBe('succeeded');
      stopWatching();
      // The phone left for its restart and came back; meanwhile the sidebar kept it, saying why.
      expect(wasAway).toBe(true);
      const statuses = (await page.evaluate('window.sidebarStatuses')) as string[];
      expect(statuses).toContain('Restarting…');
      expect(statuses.some((text) => /^Restoring · \d+ %$/.test(text))).toBe(true);
      expect(statuses).not.toContain('Not connected');
      const result = wizard.getByTestId('restore-result');
      await result.waitFor({ timeout: STEP_MS });
      expect(await result.getAttribute('data-outcome')).toBe('succeeded');
      await shot('restore-done');
      const during = notices.slice(before).map((notice) => `${notice.title}: ${notice.body ?? ''}`);
      expect(during.filter((text) => /unplugged|disconnected|iPhone connected/i.test(text))).toEqual([]);
      expect(await page.getByTestId('toast').filter({ hasText: /unplugged/ }).count()).toBe(0);
      await wizard.getByRole('button', { name: 'Done' }).click();
      await page.getByTestId('backup-now').waitFor({ timeout: STEP_MS });
    });
  }
});
