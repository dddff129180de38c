/**
 * The backup browser (issue 5): open any backup (also encrypted, also partial), list domains and
 * apps, browse, search and extract with the files' dates.
 */
export {
  openBackupBrowser,
  type AppSummary,
  type BackupBrowser,
  type BackupSummary,
  type BrowserEntry,
  type DomainCount,
  type DomainSummary,
  type EntryPage,
  type SearchPage,
  type MissingReport,
  type OpenBrowserOptions,
} from './backup-browser';
export { escapeLike } from './backup-index';
export { extractByFileIds, extractFromBackup, parseBackupPath, type BackupPath, type ExtractOptions, type ExtractProgress, type ExtractResult } from './extract-files';
export { resolveBackupFolder, resolveBackupReference } from './resolve-backup';
export { benchmarkBrowser, type BrowserBenchmark } from './browser-benchmark';
