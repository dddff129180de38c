import type { BrowserEntryView, BrowserPage } from '../../shared/contract';
import type { BrowserState, SliceContext } from './store-types';

/** Rows fetched per request: a screenful many times over, far below the channel's 5000 limit. */
export const BROWSER_PAGE_SIZE = 500;
/**
 * Search answers come in one page of at most this many, with `more` when there were others: a
 * million-file backup is searched in a fraction of a second, and a broad search asks for a
 * narrower one instead of carrying every hit over IPC.
 */
export const SEARCH_LIMIT = 1000;

export const initialBrowser: BrowserState = {
  session: undefined,
  backupId: undefined,
  domains: [],
  location: undefined,
  query: '',
  total: 0,
  more: false,
  rows: {},
  generation: 0,
  selected: {},
  previews: {},
  extracted: undefined,
  opening: false,
  openedFrom: 'device',
};

/** The pages (by index) that hold rows first..last-1. */
export function pagesFor(first: number, last: number, pageSize = BROWSER_PAGE_SIZE): number[] {
  if (last <= first) return [];
  const pages: number[] = [];
  for (let page = Math.floor(first / pageSize); page <= Math.floor((last - 1) / pageSize); page++) pages.push(page);
  return pages;
}

/** The rows of a page placed at their list positions. */
function placeRows(rows: BrowserState['rows'], page: BrowserPage, offset: number): BrowserState['rows'] {
  const next: Record<number, BrowserEntryView> = { ...rows };
  page.entries.forEach((entry, index) => (next[offset + index] = entry));
  return next;
}

/**
 * The backup browser: one open session, a location (a domain and a folder in it, or a search), and
 * the rows loaded so far. Rows arrive a page at a time as the virtual list scrolls to them, so a
 * folder of 500 000 files costs only what is on screen.
 */
export function browserActions({ api, set, get, attempt }: SliceContext) {
  // Pages requested and not yet answered, per listing generation (not state: nothing renders them).
  const inFlight = new Set<string>();

  async function fetchPage(page: number): Promise<void> {
    const { session, location, generation, query } = get().browser;
    if (!session || !location || query) return;
    const key = `${generation}:${page}`;
    if (inFlight.has(key)) return;
    inFlight.add(key);
    try {
      const offset = page * BROWSER_PAGE_SIZE;
      const answer = await attempt(() => api.invoke('browser:list', { sessionId: session.sessionId, domain: location.domain, directory: location.directory, offset, limit: BROWSER_PAGE_SIZE }));
      if (!answer) return;
      set('browser/page-loaded', (state) =>
        state.browser.generation === generation ? { browser: { ...state.browser, total: answer.total, rows: placeRows(state.browser.rows, answer, offset) } } : {},
      );
    } finally {
      inFlight.delete(key);
    }
  }

  return {
    /** Opens a backup (with its password when encrypted); true when it opened. */
    async openBrowser(backupId: string, password?: string): Promise<boolean> {
      const previous = get().browser.session;
      if (previous) void api.invoke('browser:close', { sessionId: previous.sessionId }).catch(() => undefined);
      // Opened again from inside the browser (another backup), it still closes to where it was first opened from.
      set('browser/opening', (state) => ({
        browser: { ...initialBrowser, generation: state.browser.generation + 1, opening: true, openedFrom: state.ui.screen === 'browser' ? state.browser.openedFrom : state.ui.screen },
      }));
      const session = await attempt(() => api.invoke('browser:open', password ? { backupId, password } : { backupId }));
      const top = session ? await attempt(() => api.invoke('browser:list', { sessionId: session.sessionId })) : undefined;
      set('browser/opened', (state) => ({
        browser: { ...state.browser, opening: false, session, backupId: session ? backupId : undefined, domains: top?.entries ?? [] },
        ui: session ? { ...state.ui, screen: 'browser' } : state.ui,
      }));
      return !!session;
    },
    /** Shows a folder: a domain's top with directory '', or undefined for the list of domains. */
    async browseTo(location: { readonly domain: string; readonly directory: string } | undefined): Promise<void> {
      set('browser/moved', (state) => ({ browser: { ...state.browser, location, query: '', total: 0, more: false, rows: {}, generation: state.browser.generation + 1, extracted: undefined } }));
      if (location) await fetchPage(0);
    },
    /** Makes sure rows first..last-1 are loaded (called by the virtual list as it scrolls). */
    async loadRows(first: number, last: number): Promise<void> {
      const { rows, query } = get().browser;
      if (query) return;
      await Promise.all(pagesFor(first, last).filter((page) => rows[page * BROWSER_PAGE_SIZE] === undefined).map((page) => fetchPage(page)));
    },
    async searchBrowser(query: string): Promise<void> {
      const session = get().browser.session;
      if (!session) return;
      const text = query.trim();
      if (!text) return;
      const generation = get().browser.generation + 1;
      set('browser/searching', (state) => ({ browser: { ...state.browser, query: text, total: 0, more: false, rows: {}, generation } }));
      const answer = await attempt(() => api.invoke('browser:search', { sessionId: session.sessionId, query: text, limit: SEARCH_LIMIT }));
      if (!answer) return;
      set('browser/searched', (state) => (state.browser.generation === generation ? { browser: { ...state.browser, total: answer.entries.length, more: answer.more === true, rows: placeRows({}, answer, 0) } } : {}));
    },
    toggleSelected(entry: BrowserEntryView): void {
      set('browser/selection-changed', (state) => {
        const selected = { ...state.browser.selected };
        if (selected[entry.fileId]) delete selected[entry.fileId];
        else selected[entry.fileId] = entry;
        return { browser: { ...state.browser, selected } };
      });
    },
    clearSelection(): void {
      set('browser/selection-cleared', (state) => ({ browser: { ...state.browser, selected: {} } }));
    },
    async extractSelected(destination: string): Promise<void> {
      const { session, selected } = get().browser;
      const fileIds = Object.keys(selected);
      if (!session || fileIds.length === 0) return;
      const result = await attempt(() => api.invoke('browser:extract', { sessionId: session.sessionId, fileIds, destination }));
      if (result) set('browser/extracted', (state) => ({ browser: { ...state.browser, extracted: result } }));
    },
    /** Fetches a thumbnail once per file; null marks "no preview" so it is not asked again. */
    async loadPreview(entry: BrowserEntryView): Promise<void> {
      const { session, previews } = get().browser;
      if (!session || entry.fileId in previews) return;
      set('browser/preview-requested', (state) => ({ browser: { ...state.browser, previews: { ...state.browser.previews, [entry.fileId]: null } } }));
      const answer = await api.invoke('browser:preview', { sessionId: session.sessionId, fileId: entry.fileId }).catch(() => undefined);
      if (answer?.dataUrl) set('browser/preview-loaded', (state) => ({ browser: { ...state.browser, previews: { ...state.browser.previews, [entry.fileId]: answer.dataUrl ?? null } } }));
    },
    async closeBrowser(): Promise<void> {
      const session = get().browser.session;
      set('browser/closed', (state) => ({ browser: { ...initialBrowser, generation: state.browser.generation + 1 }, ui: { ...state.ui, screen: state.browser.openedFrom } }));
      if (session) await api.invoke('browser:close', { sessionId: session.sessionId }).catch(() => undefined);
    },
  };
}
