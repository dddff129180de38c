import { randomUUID } from 'node:crypto';
import { HeicPreviews, MAX_HEIC_BYTES } from '../photos/heic';
import { createUntrustedBackupReader, type ReaderEntry, type UntrustedBackupReader } from '../reader';
import type { BrowserEntryView } from '../../shared/contract';
import type { BrowserBackend } from './backends';
import { fail } from './error-mapping';

interface Session {
  /** The backup's handle in the reader's worker thread. */
  readonly handle: number;
  readonly backupId: string;
  /**
   * Entries the UI has been shown, by fileId: extract and preview take fileIds back. It grows only
   * with the pages the person scrolled through, never with the size of the backup.
   */
  readonly seen: Map<string, ReaderEntry>;
}

/** Rows per page when the caller names no limit (the contract allows up to 5000). */
const DEFAULT_PAGE_ROWS = 500;

/**
 * Open backup browsers (src/main/browser), one per session id, closed with the session.
 * They live in an UntrustedBackupReader's worker thread (src/main/reader): a backup folder
 * is untrusted input, and a hostile one must not freeze the app's main process.
 */
export function createBrowserBackend(reader: UntrustedBackupReader = createUntrustedBackupReader(), heicPreviews = new HeicPreviews()): BrowserBackend {
  const sessions = new Map<string, Session>();
  const session = (id: string): Session => sessions.get(id) ?? fail('not-found', 'That backup is no longer open. Open it again.');
  const shown = (target: Session, entries: readonly ReaderEntry[]): BrowserEntryView[] => {
    for (const entry of entries) target.seen.set(entry.fileId, entry);
    return entries.map(toEntryView);
  };
  return {
    async open({ backupPath, backupId, password, signal }) {
      const opened = await reader.open(backupPath, password || undefined, signal);
      const sessionId = randomUUID();
      sessions.set(sessionId, { handle: opened.handle, backupId, seen: new Map() });
      return { sessionId, backupId, fileCount: opened.summary.entries, domains: opened.domainCounts.map((count) => count.domain) };
    },
    async list(sessionId, { domain, directory, offset, limit }) {
      const target = session(sessionId);
      if (domain === undefined) {
        // The top level: one folder per domain.
        // With their sizes (one pass over the index, cached by the browser) for the domains/apps list.
        const domains = await reader.domains(target.handle);
        return { entries: domains.map((summary) => ({ fileId: `domain:${summary.domain}`, domain: summary.domain, relativePath: '', kind: 'directory', sizeBytes: summary.bytes })), total: domains.length };
      }
      // Each page is its own query in the reader (SQLite groups the folder's paths), so a folder of
      // 100,000 files never crosses the worker boundary, or the IPC one, whole.
      const page = await reader.list(target.handle, domain, directory ?? '', { offset: offset ?? 0, limit: limit ?? DEFAULT_PAGE_ROWS });
      return { entries: shown(target, page.entries), total: page.total };
    },
    async search(sessionId, query, limit) {
      const target = session(sessionId);
      const hits = await reader.search(target.handle, query, { limit: limit ?? DEFAULT_PAGE_ROWS });
      // The total is what is shown; `more` says the search found others past the limit.
      return { entries: shown(target, hits.entries), total: hits.entries.length, more: hits.more };
    },
    async extract(sessionId, fileIds, destination) {
      const target = session(sessionId);
      let files = 0;
      let bytes = 0;
      for (const fileId of fileIds) {
        const entry = target.seen.get(fileId) ?? fail('not-found', 'List or search for a file before extracting it.');
        const result = await reader.extract(target.handle, { domain: entry.domain, relativePath: entry.relativePath }, destination);
        files += result.files;
        bytes += result.bytes;
      }
      return { destination, files, bytes };
    },
    async preview(sessionId, fileId) {
      const target = session(sessionId);
      const entry = target.seen.get(fileId) ?? fail('not-found', 'List or search for a file before previewing it.');
      // HEIC: a thumbnail decoded off the main thread and cached (photos/heic), bounded like any HEIC.
      if (entry.kind === 'file' && /\.hei[cf]$/i.test(entry.relativePath) && entry.size <= MAX_HEIC_BYTES) {
        const thumbnail = await heicPreviews.thumbnail(`${target.backupId}|${fileId}`, () => reader.readFile(target.handle, entry, MAX_HEIC_BYTES).catch(() => undefined));
        return thumbnail ? { fileId, dataUrl: `data:image/jpeg;base64,${thumbnail.toString('base64')}` } : { fileId };
      }
      // JPEG only, and only small ones: the original bytes are the preview, so a size cap keeps
      // the answer (base64 over IPC or the WebSocket) small. Anything else has no preview.
      if (entry.kind !== 'file' || !/\.jpe?g$/i.test(entry.relativePath) || entry.size > MAX_PREVIEW_BYTES) return { fileId };
      const bytes = await reader.readFile(target.handle, entry, MAX_PREVIEW_BYTES).catch(() => undefined);
      if (!bytes) return { fileId };
      return { fileId, dataUrl: `data:image/jpeg;base64,${bytes.toString('base64')}` };
    },
    readerHandle: (sessionId) => session(sessionId).handle,
    async close(sessionId) {
      const target = sessions.get(sessionId);
      sessions.delete(sessionId);
      if (target) await reader.closeBackup(target.handle).catch(() => undefined);
    },
  };
}

/** JPEGs up to this size are previewed as they are; bigger ones get no thumbnail. */
export const MAX_PREVIEW_BYTES = 2 * 1024 * 1024;

function toEntryView(entry: ReaderEntry): BrowserEntryView {
  return {
    fileId: entry.fileId,
    domain: entry.domain,
    relativePath: entry.relativePath,
    kind: entry.kind === 'directory' ? 'directory' : entry.kind === 'symlink' ? 'symlink' : 'file',
    sizeBytes: entry.size,
    ...(entry.lastModified === undefined ? {} : { modifiedAt: new Date(entry.lastModified * 1000).toISOString() }),
  };
}
