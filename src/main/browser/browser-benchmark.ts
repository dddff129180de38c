import { performance } from 'node:perf_hooks';
import { openBackupBrowser } from './backup-browser';

export interface BrowserBenchmark {
  readonly entries: number;
  /** Opening (reading, decrypting, indexing) the file list. */
  readonly openMs: number;
  /** Listing the domains' top folders. */
  readonly listMs: number;
  /** Each search, in the order given, with its hit count. */
  readonly searches: ReadonlyArray<{ readonly text: string; readonly hits: number; readonly ms: number }>;
}

/**
 * For bench/: open a backup, list every domain's top level, and run `searches`, timing each step.
 * Results are timings only; the bench decides what is fast enough.
 */
export async function benchmarkBrowser(folder: string, options: { readonly password?: string; readonly searches?: readonly string[]; readonly limit?: number } = {}): Promise<BrowserBenchmark> {
  let started = performance.now();
  const browser = await openBackupBrowser(folder, { password: options.password });
  try {
    const openMs = performance.now() - started;
    started = performance.now();
    for (const { domain } of browser.domainCounts()) browser.list(domain, '');
    const listMs = performance.now() - started;
    const searches = [];
    for (const text of options.searches ?? ['sms.db', 'IMG_', 'Preferences/']) {
      started = performance.now();
      const hits = browser.search(text, { limit: options.limit ?? 1000 }).length;
      searches.push({ text, hits, ms: performance.now() - started });
    }
    return { entries: browser.summary.entries, openMs, listMs, searches };
  } finally {
    browser.close();
  }
}
