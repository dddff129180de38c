import type { LibraryExportFormat, LibraryPage, LibraryRow, LibraryView } from '../../shared/contract';
import { pagesFor } from './browser-slice';
import type { LibraryPlace, LibraryState, SliceContext } from './store-types';

/** Rows per request: a few screens' worth, far below the channel's limit. */
export const LIBRARY_PAGE_SIZE = 200;
/** Search answers per section. */
export const FIND_LIMIT = 100;

export const initialLibrary: LibraryState = {
  place: 'overview',
  sessionId: undefined,
  overview: undefined,
  view: undefined,
  total: 0,
  rows: {},
  generation: 0,
  filter: '',
  conversation: undefined,
  note: undefined,
  found: undefined,
  finding: false,
  thumbnails: {},
  selectedPhotos: {},
  exported: undefined,
  exporting: false,
};

/** The list each place shows (Messages shows conversations until one is opened). */
export function viewOf(place: LibraryPlace): LibraryView | undefined {
  switch (place) {
    case 'messages':
      return 'conversations';
    case 'calls':
    case 'contacts':
    case 'notes':
    case 'photos':
    case 'safari':
    case 'voicemail':
    case 'apps':
      return place;
    default:
      return undefined;
  }
}

function placeRows(rows: LibraryState['rows'], page: LibraryPage): LibraryState['rows'] {
  const next: Record<number, LibraryRow> = { ...rows };
  page.rows.forEach((row, index) => (next[page.offset + index] = row));
  return next;
}

/**
 * The browser in a person's words (issue 15): which section is shown, its rows a page at a time
 * (the core reads them from the backup's databases on its reader thread), the open conversation
 * or note, search across people and messages, thumbnails and exports.
 */
export function libraryActions({ api, set, get, attempt }: SliceContext) {
  const inFlight = new Set<string>();

  async function fetchPage(page: number): Promise<void> {
    const { sessionId, view, generation, conversation, filter } = get().library;
    if (!sessionId || !view) return;
    const key = `${generation}:${page}`;
    if (inFlight.has(key)) return;
    inFlight.add(key);
    try {
      const offset = page * LIBRARY_PAGE_SIZE;
      const answer = await attempt(() =>
        api.invoke('library:page', {
          sessionId,
          view,
          offset,
          limit: LIBRARY_PAGE_SIZE,
          ...(view === 'messages' && conversation ? { chatId: conversation.id } : {}),
          ...(view === 'contacts' && filter ? { query: filter } : {}),
        }),
      );
      if (!answer) return;
      set('library/page-loaded', (state) => (state.library.generation === generation ? { library: { ...state.library, total: answer.total, rows: placeRows(state.library.rows, answer) } } : {}));
    } finally {
      inFlight.delete(key);
    }
  }

  /** Starts a new list (a section, a conversation, a filter) and loads its first page. */
  async function showList(change: Partial<LibraryState>): Promise<void> {
    set('library/list-changed', (state) => ({ library: { ...state.library, ...change, total: 0, rows: {}, generation: state.library.generation + 1, exported: undefined } }));
    if (get().library.view) await fetchPage(0);
  }

  return {
    /** A backup was opened (or closed, with undefined): start at the overview of what it holds. */
    async libraryOpened(sessionId: string | undefined): Promise<void> {
      if (get().library.sessionId === sessionId) return;
      set('library/opened', (state) => ({ library: { ...initialLibrary, generation: state.library.generation + 1, sessionId } }));
      if (!sessionId) return;
      const overview = await attempt(() => api.invoke('library:overview', { sessionId }));
      if (overview) set('library/overview-loaded', (state) => (state.library.sessionId === sessionId ? { library: { ...state.library, overview } } : {}));
    },
    async showPlace(place: LibraryPlace): Promise<void> {
      await showList({ place, view: viewOf(place), conversation: undefined, note: undefined, filter: '', found: undefined, selectedPhotos: {} });
    },
    /** Another list of the same section (Safari: its history or its bookmarks). */
    async showLibraryView(view: LibraryView): Promise<void> {
      await showList({ view, found: undefined });
    },
    async loadLibraryRows(first: number, last: number): Promise<void> {
      const { rows } = get().library;
      await Promise.all(pagesFor(first, last, LIBRARY_PAGE_SIZE).filter((page) => rows[page * LIBRARY_PAGE_SIZE] === undefined).map((page) => fetchPage(page)));
    },
    async openConversation(conversation: NonNullable<LibraryState['conversation']>): Promise<void> {
      await showList({ place: 'messages', view: 'messages', conversation, found: undefined });
    },
    async filterContacts(filter: string): Promise<void> {
      await showList({ filter: filter.trim() });
    },
    async openNote(noteId: number): Promise<void> {
      const { sessionId } = get().library;
      if (!sessionId) return;
      const note = await attempt(() => api.invoke('library:note', { sessionId, noteId }));
      if (note) set('library/note-opened', (state) => ({ library: { ...state.library, note } }));
    },
    closeNote(): void {
      set('library/note-closed', (state) => ({ library: { ...state.library, note: undefined } }));
    },
    async findInLibrary(query: string): Promise<void> {
      const { sessionId } = get().library;
      const text = query.trim();
      if (!sessionId || !text) return;
      set('library/finding', (state) => ({ library: { ...state.library, finding: true, found: undefined } }));
      const found = await attempt(() => api.invoke('library:find', { sessionId, query: text, limit: FIND_LIMIT }));
      set('library/found', (state) => ({ library: { ...state.library, finding: false, found } }));
    },
    clearFound(): void {
      set('library/found-cleared', (state) => ({ library: { ...state.library, found: undefined } }));
    },
    /** Fetches a picture's thumbnail once; null marks "none" so it is not asked again. */
    async loadThumbnail(ref: string): Promise<void> {
      const { sessionId, thumbnails } = get().library;
      if (!sessionId || ref in thumbnails) return;
      set('library/thumbnail-requested', (state) => ({ library: { ...state.library, thumbnails: { ...state.library.thumbnails, [ref]: null } } }));
      const answer = await api.invoke('library:thumbnail', { sessionId, ref }).catch(() => undefined);
      if (answer?.dataUrl) set('library/thumbnail-loaded', (state) => ({ library: { ...state.library, thumbnails: { ...state.library.thumbnails, [ref]: answer.dataUrl ?? null } } }));
    },
    togglePhoto(id: number): void {
      set('library/photo-toggled', (state) => {
        const selectedPhotos: Record<number, true> = { ...state.library.selectedPhotos };
        if (selectedPhotos[id]) delete selectedPhotos[id];
        else selectedPhotos[id] = true;
        return { library: { ...state.library, selectedPhotos } };
      });
    },
    async exportLibrary(format: LibraryExportFormat, destination: string): Promise<void> {
      const { sessionId, conversation, selectedPhotos } = get().library;
      if (!sessionId || !destination.trim()) return;
      const photoIds = Object.keys(selectedPhotos).map(Number);
      set('library/exporting', (state) => ({ library: { ...state.library, exporting: true, exported: undefined } }));
      const exported = await attempt(() =>
        api.invoke('library:export', {
          sessionId,
          format,
          destination: destination.trim(),
          ...(conversation && (format === 'conversation-html' || format === 'messages-csv') ? { chatId: conversation.id } : {}),
          ...(format === 'photos-originals' && photoIds.length > 0 ? { photoIds } : {}),
        }),
      );
      set('library/exported', (state) => ({ library: { ...state.library, exporting: false, exported } }));
    },
  };
}
