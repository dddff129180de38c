import path from 'node:path';
import { HEIC_PICTURE_TYPE } from '../library';
import { HeicPreviews, MAX_HEIC_BYTES } from '../photos/heic';
import type { UntrustedBackupReader } from '../reader';
import type { LibraryExportFormat, LibraryExportResult, LibraryFindView, LibraryOverview, LibraryPage, LibraryThumbnailView, LibraryView, NoteView } from '../../shared/contract';
import { fail } from './error-mapping';

/**
 * The browser's top level in a person's words (issue 15): the `library:*` channels over the same
 * reader thread, and the same open backup, as the files view (browser-backend.ts). Every database
 * query and every export runs on that thread under its deadline.
 */
export interface LibraryBackend {
  overview(sessionId: string): Promise<LibraryOverview>;
  page(sessionId: string, options: { readonly view: LibraryView; readonly offset?: number; readonly limit?: number; readonly chatId?: number; readonly query?: string }): Promise<LibraryPage>;
  note(sessionId: string, noteId: number): Promise<NoteView>;
  thumbnail(sessionId: string, ref: string): Promise<LibraryThumbnailView>;
  find(sessionId: string, query: string, limit?: number): Promise<LibraryFindView>;
  export(sessionId: string, options: { readonly format: LibraryExportFormat; readonly destination: string; readonly chatId?: number; readonly photoIds?: readonly number[] }): Promise<LibraryExportResult>;
}

/** Rows per page when the caller names none. */
const DEFAULT_ROWS = 200;
const DEFAULT_FIND_LIMIT = 100;
/** Pictures up to this size are sent whole as their own thumbnail (as the files view's preview does). */
const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;
/** iPhones have shot HEIC since iOS 11: named so, a picture is decoded into a JPEG thumbnail. */
const HEIC_NAME = /\.hei[cf]$/i;

/**
 * `handleOf` gives the reader's handle of a browser session (BrowserBackend.readerHandle);
 * `heicPreviews` decodes HEIC thumbnails on its own bounded thread (photos/heic), shared with the files view.
 */
export function createLibraryBackend(reader: UntrustedBackupReader, handleOf: (sessionId: string) => number, heicPreviews = new HeicPreviews()): LibraryBackend {
  return {
    overview: (sessionId) => reader.library(handleOf(sessionId), 'overview', {}),
    page: (sessionId, { view, offset, limit, chatId, query }) =>
      reader.library(handleOf(sessionId), 'page', { view, offset: offset ?? 0, limit: limit ?? DEFAULT_ROWS, ...(chatId === undefined ? {} : { chatId }), ...(query === undefined ? {} : { query }) }),
    note: (sessionId, noteId) => reader.library(handleOf(sessionId), 'note', { id: noteId }),
    async thumbnail(sessionId, ref) {
      const handle = handleOf(sessionId);
      if (HEIC_NAME.test(ref)) {
        // Keyed by session: a session is one backup as it was opened, so a cached thumbnail is never stale.
        const jpeg = await heicPreviews.thumbnail(`library|${sessionId}|${ref}`, async () => {
          const picture = await reader.library(handle, 'picture', { ref, maxBytes: MAX_HEIC_BYTES }).catch(() => undefined);
          return picture?.mimeType === HEIC_PICTURE_TYPE ? Buffer.from(picture.bytes) : undefined;
        });
        return jpeg ? { ref, dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}` } : { ref };
      }
      const picture = await reader.library(handle, 'picture', { ref, maxBytes: MAX_THUMBNAIL_BYTES }).catch(() => undefined);
      // A HEIC named otherwise (.JPG) is not decoded: only a HEIC name takes the decoder's bounded path above.
      if (!picture || picture.mimeType === HEIC_PICTURE_TYPE) return { ref };
      return { ref, dataUrl: `data:${picture.mimeType};base64,${Buffer.from(picture.bytes).toString('base64')}` };
    },
    find: (sessionId, query, limit) => reader.library(handleOf(sessionId), 'find', { query, limit: limit ?? DEFAULT_FIND_LIMIT }),
    export(sessionId, { format, destination, chatId, photoIds }) {
      // A relative path would land wherever the app happened to start (issue 15).
      if (!path.isAbsolute(destination)) fail('invalid-argument', `Choose a whole folder path to export to; "${destination}" is relative.`);
      return reader.library(handleOf(sessionId), 'export', { format, destination, ...(chatId === undefined ? {} : { chatId }), ...(photoIds === undefined ? {} : { photoIds }) });
    },
  };
}
