/**
 * Backup folders read off the main thread, with a deadline and cancel (issue 13): the catalog's
 * inspections and the backup browser, for the app.
 */
export { createUntrustedBackupReader, type UntrustedBackupReader, type UntrustedReaderOptions } from './untrusted-reader';
export type { OpenedBackup, ReaderEntry } from './reader-protocol';
