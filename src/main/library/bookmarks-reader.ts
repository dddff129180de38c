import type { BookmarkRow } from '../../shared/contract-library';
import { listLength, openAppDatabase, textOf } from './app-database';
import { KNOWN_FILES } from './library-files';

/**
 * Safari's bookmarks from HomeDomain `Library/Safari/Bookmarks.db` (what iLEAPP's safariBookmarks.py
 * reads): one `bookmarks` table holding folders (type 1) and bookmarks (type 0), each under its
 * `parent` folder in `order_index` order. Favorites is the folder iOS names `BookmarksBar`, the
 * Reading List `com.apple.ReadingList`. Listed folder by folder, as Safari shows them.
 */
export interface BookmarksReader {
  count(): number;
  page(offset: number, limit: number): BookmarkRow[];
  close(): void;
}

const FOLDER_NAMES: Readonly<Record<string, string>> = { BookmarksBar: 'Favorites', 'com.apple.ReadingList': 'Reading List' };

export function openBookmarksReader(bytes: Buffer): BookmarksReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.bookmarks.what, [
    { table: 'bookmarks', columns: ['id', 'parent', 'type', 'title', 'url', 'order_index'], optional: ['deleted', 'hidden'] },
  ]);
  const shown = ['b.type = 0', 'b.url IS NOT NULL', ...['deleted', 'hidden'].filter((column) => database.has('bookmarks', column)).map((column) => `COALESCE(b.${column}, 0) = 0`)].join(' AND ');
  // Worked out once (app-database.ts materialize): a page reads only its own bookmarks.
  const order = (): string =>
    database.materialize('bookmarks', ['bookmark_id'], `SELECT b.id FROM bookmarks b WHERE ${shown} ORDER BY b.parent, b.order_index, b.id`);
  return {
    count: () => listLength(database, order()),
    page(offset, limit) {
      const rows = database.all<{ id: number; title: unknown; url: unknown; folder: unknown }>(
        `SELECT b.id AS id, b.title AS title, b.url AS url, f.title AS folder FROM ${order()} o JOIN bookmarks b ON b.id = o.bookmark_id
         LEFT JOIN bookmarks f ON f.id = b.parent WHERE o.position BETWEEN ? AND ? ORDER BY o.position`,
        offset + 1,
        offset + limit,
      );
      return rows.map((row) => {
        const url = textOf(row.url, 4096);
        const folder = textOf(row.folder, 500);
        const named = FOLDER_NAMES[folder] ?? (folder === 'Root' ? '' : folder);
        return { kind: 'bookmark', id: row.id, url, title: textOf(row.title, 1000) || url, ...(named ? { folder: named } : {}) };
      });
    },
    close: () => database.close(),
  };
}
