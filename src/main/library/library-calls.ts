import type { LibraryExportResult, LibraryFindView, LibraryOverview, LibraryPage, LibraryView, NoteView } from '../../shared/contract-library';
import type { BackupBrowser } from '../browser';
import { exportFromLibrary, type ExportRequest } from './library-export';
import { LibrarySession } from './library-session';

/**
 * What the backup reader's thread (src/main/backup/reader) can be asked about an open backup's
 * library, by kind; `answer` is what it replies with. One entry in the reader's protocol carries
 * them all, so the library grows without touching the reader.
 */
export interface LibraryCalls {
  overview: { args: Record<string, never>; answer: LibraryOverview };
  page: { args: { readonly view: LibraryView; readonly offset: number; readonly limit: number; readonly chatId?: number; readonly query?: string }; answer: LibraryPage };
  note: { args: { readonly id: number }; answer: NoteView };
  /** A small picture (JPEG, PNG, GIF) the databases name, at most maxBytes; undefined otherwise. */
  picture: { args: { readonly ref: string; readonly maxBytes: number }; answer: { readonly mimeType: string; readonly bytes: Uint8Array } | undefined };
  find: { args: { readonly query: string; readonly limit: number }; answer: LibraryFindView };
  export: { args: ExportRequest; answer: LibraryExportResult };
}

export type LibraryCallKind = keyof LibraryCalls;

/** Exports copy files and may take long: they get the reader's long deadline. */
export const LONG_LIBRARY_CALLS: ReadonlySet<LibraryCallKind> = new Set(['export']);

const sessions = new WeakMap<BackupBrowser, LibrarySession>();

function sessionOf(browser: BackupBrowser): LibrarySession {
  let session = sessions.get(browser);
  if (!session) {
    session = new LibrarySession(browser);
    sessions.set(browser, session);
  }
  return session;
}

type Handlers = { [K in LibraryCallKind]: (session: LibrarySession, args: LibraryCalls[K]['args']) => Promise<LibraryCalls[K]['answer']> };

const handlers: Handlers = {
  overview: (session) => session.overview(),
  page: (session, { view, offset, limit, chatId, query }) => session.page(view, offset, limit, { ...(chatId === undefined ? {} : { chatId }), ...(query === undefined ? {} : { query }) }),
  note: (session, { id }) => session.note(id),
  picture: (session, { ref, maxBytes }) => session.picture(ref, maxBytes),
  find: (session, { query, limit }) => session.find(query, limit),
  export: (session, request) => exportFromLibrary(session, request),
};

/** Runs one library call against an open backup (on the reader's thread). */
export function runLibraryCall(browser: BackupBrowser, kind: LibraryCallKind, args: unknown): Promise<unknown> {
  const handler = handlers[kind] as ((session: LibrarySession, args: unknown) => Promise<unknown>) | undefined;
  if (!handler) return Promise.reject(new Error(`Unknown library call ${String(kind)}.`));
  return handler(sessionOf(browser), args);
}

/** Closes the databases a backup's library opened (when the backup is closed). */
export function closeLibrary(browser: BackupBrowser): void {
  sessions.get(browser)?.close();
  sessions.delete(browser);
}
