import { describe, expect, it } from 'vitest';
import type { BrowserEntryView, InvokeChannel } from '../../shared/contract';
import { createAppStore } from './app-store';
import { searchCount } from '../features/browser/browser-words';
import { fakeMainApi } from './fake-main-api';
import { BROWSER_PAGE_SIZE, SEARCH_LIMIT } from './browser-slice';

/** A MainApi double answering from handlers, recording every call; anything else is a test bug. */
function fakeApi(answers: Partial<Record<InvokeChannel, (args: Record<string, unknown>) => unknown>>) {
  return fakeMainApi((channel, args) => {
    const answer = answers[channel];
    if (!answer) throw new Error(`unexpected ${channel}`);
    return answer(args);
  });
}

const TOTAL = 500_000;
const entryAt = (index: number): BrowserEntryView => ({ fileId: `f${index}`, domain: 'HomeDomain', relativePath: `Big/file-${index}`, kind: 'file', sizeBytes: 0 });

function browsingApi() {
  return fakeApi({
    'browser:open': () => ({ sessionId: 's1', backupId: 'b1', fileCount: TOTAL, domains: ['HomeDomain'] }),
    'browser:list': (args) => {
      if (args.domain === undefined) return { entries: [{ ...entryAt(-1), fileId: 'domain:HomeDomain', relativePath: '', kind: 'directory', sizeBytes: 42 }], total: 1 };
      const offset = Number(args.offset ?? 0);
      const limit = Number(args.limit ?? 500);
      return { entries: Array.from({ length: Math.min(limit, TOTAL - offset) }, (_, index) => entryAt(offset + index)), total: TOTAL };
    },
    'browser:search': () => ({ entries: [entryAt(7)], total: 1 }),
    'browser:extract': (args) => ({ destination: args.destination, files: (args.fileIds as string[]).length, bytes: 0 }),
    'browser:close': () => ({ closed: true }),
  });
}

describe('backup browser slice', () => {
  it('opens a backup onto the browser screen with its domains and their sizes', async () => {
    const { api } = browsingApi();
    const { store, actions } = createAppStore(api);
    expect(await actions.openBrowser('b1')).toBe(true);
    expect(store.getState().ui.screen).toBe('browser');
    expect(store.getState().browser.domains).toEqual([expect.objectContaining({ domain: 'HomeDomain', sizeBytes: 42 })]);
  });

  it('loads only the pages of a 500 000-row folder that scroll into view', async () => {
    const { api, calls } = browsingApi();
    const { store, actions } = createAppStore(api);
    await actions.openBrowser('b1');
    await actions.browseTo({ domain: 'HomeDomain', directory: 'Big' });
    expect(store.getState().browser.total).toBe(TOTAL);
    expect(Object.keys(store.getState().browser.rows)).toHaveLength(BROWSER_PAGE_SIZE);

    await actions.loadRows(250_000, 250_030);
    await actions.loadRows(250_000, 250_030);
    const pages = calls.filter((call) => call.channel === 'browser:list' && call.args.domain !== undefined);
    expect(pages.map((call) => call.args.offset)).toEqual([0, 250_000]);
    expect(store.getState().browser.rows[250_010]).toEqual(entryAt(250_010));
    expect(Object.keys(store.getState().browser.rows)).toHaveLength(2 * BROWSER_PAGE_SIZE);
  });

  it('asks for one page of search hits and says when the search found more', async () => {
    const { api, calls } = fakeApi({
      'browser:open': () => ({ sessionId: 's1', backupId: 'b1', fileCount: TOTAL, domains: ['HomeDomain'] }),
      'browser:list': () => ({ entries: [], total: 0 }),
      'browser:search': (args) => ({ entries: Array.from({ length: Number(args.limit) }, (_, index) => entryAt(index)), total: Number(args.limit), more: args.query === 'file' }),
    });
    const { store, actions } = createAppStore(api);
    await actions.openBrowser('b1');
    await actions.searchBrowser('file');
    expect(calls.filter((call) => call.channel === 'browser:search').map((call) => call.args.limit)).toEqual([SEARCH_LIMIT]);
    expect(store.getState().browser).toMatchObject({ total: SEARCH_LIMIT, more: true });
    expect(searchCount(SEARCH_LIMIT, true, 'file')).toMatch(/^The first 1,000 matches for “file” are shown; there are more/);
    await actions.searchBrowser('file-7');
    expect(store.getState().browser.more).toBe(false);
    expect(searchCount(3, false, 'file-7')).toBe('3 matches for “file-7”');
  });

  it('drops a page that arrives after the folder changed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { api } = fakeApi({
      'browser:open': () => ({ sessionId: 's1', backupId: 'b1', fileCount: 3, domains: ['A', 'B'] }),
      'browser:list': async (args) => {
        if (args.domain === 'A') await gate;
        return { entries: args.domain ? [{ ...entryAt(0), domain: String(args.domain) }] : [], total: 1 };
      },
    });
    const { store, actions } = createAppStore(api);
    await actions.openBrowser('b1');
    const slow = actions.browseTo({ domain: 'A', directory: '' });
    await actions.browseTo({ domain: 'B', directory: '' });
    release();
    await slow;
    expect(store.getState().browser.rows[0]?.domain).toBe('B');
  });

  it('extracts the selected files and remembers the result', async () => {
    const { api, calls } = browsingApi();
    const { store, actions } = createAppStore(api);
    await actions.openBrowser('b1');
    await actions.searchBrowser('file-7');
    const hit = store.getState().browser.rows[0]!;
    actions.toggleSelected(hit);
    await actions.extractSelected('/tmp/out');
    expect(calls.at(-1)).toEqual({ channel: 'browser:extract', args: { sessionId: 's1', fileIds: ['f7'], destination: '/tmp/out' } });
    expect(store.getState().browser.extracted).toEqual({ destination: '/tmp/out', files: 1, bytes: 0 });
    await actions.closeBrowser();
    expect(store.getState().ui.screen).toBe('device');
    expect(store.getState().browser.session).toBeUndefined();
  });

  it('closes back to the screen it was opened from: Manage Backups or the phone\'s page', async () => {
    const { api } = browsingApi();
    const { store, actions } = createAppStore(api);
    actions.showScreen('manage');
    await actions.openBrowser('b1');
    expect(store.getState().ui.screen).toBe('browser');
    // Another backup opened while browsing still closes to Manage Backups.
    await actions.openBrowser('b1');
    await actions.closeBrowser();
    expect(store.getState().ui.screen).toBe('manage');

    actions.showScreen('device');
    await actions.openBrowser('b1');
    await actions.closeBrowser();
    expect(store.getState().ui.screen).toBe('device');
  });
});

describe('restore slice', () => {
  it('opens the wizard on a backup, starts the restore with the chosen options, and closes', async () => {
    const { api, calls } = fakeApi({
      'restore:preflight': () => ({ backupId: 'b1', udid: 'A', ok: true, needsPassword: false, problems: [] }),
      'restore:start': () => ({ jobId: 'j9' }),
    });
    const { store, actions } = createAppStore(api);
    actions.openRestoreWizard('A', 'b1');
    expect(store.getState().restore.wizard).toEqual({ udid: 'A', backupId: 'b1' });
    await actions.preflightRestore('A', 'b1');
    expect(store.getState().restore.preflight?.ok).toBe(true);
    expect(await actions.startRestore('A', 'b1', { system: true, settings: false, reboot: true, password: 'pw' })).toBe('j9');
    expect(calls.at(-1)?.args).toEqual({ udid: 'A', backupId: 'b1', system: true, settings: false, reboot: true, password: 'pw' });
    expect(store.getState().restore.jobId).toBe('j9');
    actions.closeRestoreWizard();
    expect(store.getState().restore.wizard).toBeUndefined();
  });

  it('keeps the after-reset answer per phone and stays quiet when the check fails', async () => {
    let fail = false;
    const { api } = fakeApi({
      'restore:candidates': (args) => {
        if (fail) throw new Error('phone went away');
        return { udid: args.udid, photosOnPhone: 0, looksErased: true, candidates: [{ backupId: 'b1', photoCount: 26, encrypted: false, archived: false }] };
      },
    });
    const { store, actions } = createAppStore(api);
    await actions.loadRestoreCandidates('A');
    expect(store.getState().restore.candidates['A']?.looksErased).toBe(true);
    fail = true;
    await actions.loadRestoreCandidates('A');
    expect(store.getState().restore.candidates['A']?.candidates[0]?.photoCount).toBe(26);
    expect(store.getState().ui.errors).toEqual([]);
  });
});
