import type { VisitRow } from '../../shared/contract-library';
import { appleDate, openAppDatabase, textOf } from './app-database';
import { KNOWN_FILES } from './library-files';

/**
 * Safari's history from HomeDomain `Library/Safari/History.db` (what iLEAPP's safariHistory.py
 * reads): one history_visits row per visit (visit_time in seconds since 2001, its title) of a
 * history_items URL. Newest first.
 */
export interface SafariReader {
  count(): number;
  page(offset: number, limit: number): VisitRow[];
  close(): void;
}

export function openSafariReader(bytes: Buffer): SafariReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.safari.what, [
    { table: 'history_items', columns: ['id', 'url'] },
    { table: 'history_visits', columns: ['id', 'history_item', 'visit_time', 'title'] },
  ]);
  return {
    count: () => database.get<{ n: number }>('SELECT COUNT(*) AS n FROM history_visits')?.n ?? 0,
    page(offset, limit) {
      const rows = database.all<{ id: number; url: unknown; title: unknown; at: unknown }>(
        'SELECT v.id AS id, i.url AS url, v.title AS title, v.visit_time AS at FROM history_visits v JOIN history_items i ON i.id = v.history_item ORDER BY v.visit_time DESC, v.id DESC LIMIT ? OFFSET ?',
        limit,
        offset,
      );
      return rows.map((row) => {
        const at = appleDate(row.at);
        const url = textOf(row.url, 4096);
        return { kind: 'visit', id: row.id, url, title: textOf(row.title, 1000) || url, ...(at ? { at } : {}) };
      });
    },
    close: () => database.close(),
  };
}
