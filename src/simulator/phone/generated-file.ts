import type { GeneratedContent } from './content/content-spec';

/**
 * One file or symlink the generator puts on a new phone, before the store gives it an inode and
 * adds its parent directories.
 */
export interface GeneratedFile {
  readonly domain: string;
  readonly relativePath: string;
  readonly kind: 'file' | 'symlink';
  readonly uid: number;
  readonly mtime: number;
  readonly birth: number;
  readonly protectionClass: number;
  readonly linkTarget?: string;
  /** Either a generator description or bytes built up front (the SQLite databases). */
  readonly content?: GeneratedContent | Buffer;
  /** System files survive "Erase All Content and Settings". */
  readonly system?: boolean;
}

/** Dates are spread over the years before this fixed moment, so a seed always gives the same phone. */
export const REFERENCE_TIME = Date.UTC(2026, 9, 1) / 1000;
export const YEAR_SECONDS = 365 * 86_400;
export const MOBILE_UID = 501;
export const ROOT_UID = 0;
