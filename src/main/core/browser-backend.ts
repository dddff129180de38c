import { randomUUID } from 'node:crypto';
import { type BackupBrowser, type BrowserEntry, extractFromBackup, openBackupBrowser } from '../backup/browser';
import type { BrowserEntryView, BrowserPage } from '../../shared/contract';
import type { BrowserBackend } from './backends';
import { fail } from './error-mapping';

interface Session {
  readonly browser: BackupBrowser;
  /** Entries the UI has been shown, by fileId: extract takes fileIds back. */
  readonly seen: Map<string, BrowserEntry>;
}

/** Open backup browsers (src/main/backup/browser), one per session id, closed with the session. */
export function createBrowserBackend(): BrowserBackend {
  const sessions = new Map<string, Session>();
  const session = (id: string): Session => sessions.get(id) ?? fail('not-found', 'That backup is no longer open. Open it again.');
  const page = (target: Session, entries: readonly BrowserEntry[], offset = 0, limit = 500): BrowserPage => {
    const slice = entries.slice(offset, offset + limit);
    for (const entry of slice) target.seen.set(entry.fileId, entry);
    return { entries: slice.map(toEntryView), total: entries.length };
  };
  return {
    async open({ backupPath, backupId, password }) {
      const browser = await openBackupBrowser(backupPath, password ? { password } : {});
      const sessionId = randomUUID();
      sessions.set(sessionId, { browser, seen: new Map() });
      return { sessionId, backupId, fileCount: browser.summary.entries, domains: browser.domainCounts().map((count) => count.domain) };
    },
    async list(sessionId, { domain, directory, offset, limit }) {
      const target = session(sessionId);
      if (domain === undefined) {
        // The top level: one folder per domain.
        const domains = target.browser.domainCounts();
        return { entries: domains.map((count) => ({ fileId: `domain:${count.domain}`, domain: count.domain, relativePath: '', kind: 'directory', sizeBytes: 0 })), total: domains.length };
      }
      return page(target, target.browser.list(domain, directory ?? ''), offset, limit);
    },
    async search(sessionId, query, limit) {
      const target = session(sessionId);
      return page(target, target.browser.search(query, { limit: limit ?? 500 }), 0, limit ?? 500);
    },
    async extract(sessionId, fileIds, destination) {
      const target = session(sessionId);
      let files = 0;
      let bytes = 0;
      for (const fileId of fileIds) {
        const entry = target.seen.get(fileId) ?? fail('not-found', 'List or search for a file before extracting it.');
        const result = await extractFromBackup(target.browser, { domain: entry.domain, relativePath: entry.relativePath }, destination);
        files += result.files;
        bytes += result.bytes;
      }
      return { destination, files, bytes };
    },
    async close(sessionId) {
      sessions.get(sessionId)?.browser.close();
      sessions.delete(sessionId);
    },
  };
}

function toEntryView(entry: BrowserEntry): BrowserEntryView {
  return {
    fileId: entry.fileId,
    domain: entry.domain,
    relativePath: entry.relativePath,
    kind: entry.kind === 'directory' ? 'directory' : entry.kind === 'symlink' ? 'symlink' : 'file',
    sizeBytes: entry.size,
    ...(entry.lastModified === undefined ? {} : { modifiedAt: new Date(entry.lastModified * 1000).toISOString() }),
  };
}
