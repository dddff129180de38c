import type { BackupErrorCode } from '../backup/backup-error';
import type { BackupSummary, BrowserEntry, DomainCount, DomainSummary } from '../browser/backup-browser';
import type { BackupPath, ExtractProgress, ExtractResult } from '../browser/extract-files';
import type { InspectionResult, InspectOptions } from '../backup/catalog/backup-inspection';
import type { CatalogImage, GroupTotals } from '../backup/catalog/catalog-totals';
import type { LibraryCallKind } from '../library';

/**
 * The messages between an UntrustedBackupReader (untrusted-reader.ts) and its worker thread
 * (backup-reader-worker.ts). Everything crosses by structured clone, so Buffers arrive as
 * Uint8Arrays (revived where it matters) and errors as `{ code, message }`.
 */

/** An entry as the main thread sees it: no wrapped file key (a backup's secret stays in the worker). */
export type ReaderEntry = Omit<BrowserEntry, 'encryptionKey'>;

export interface ReaderPage {
  readonly entries: readonly ReaderEntry[];
  readonly total: number;
}

export interface ReaderHits {
  readonly entries: readonly ReaderEntry[];
  readonly more: boolean;
}

export interface OpenedBackup {
  readonly handle: number;
  readonly summary: BackupSummary;
  readonly domainCounts: readonly DomainCount[];
}

/** What the worker can be asked, by kind; `answer` is what it replies with. */
export interface ReaderCalls {
  inspect: { args: { readonly folder: string; readonly options: InspectOptions }; answer: InspectionResult };
  /** The catalog's totals (catalog-totals.ts), read from its file or an image of it. */
  totals: { args: { readonly image: CatalogImage; readonly groups: ReadonlyMap<string, readonly string[]> }; answer: GroupTotals };
  open: { args: { readonly folder: string; readonly password?: string }; answer: OpenedBackup };
  domains: { args: { readonly handle: number }; answer: readonly DomainSummary[] };
  /** One page of a folder, in name order, with the folder's number of entries. */
  list: { args: { readonly handle: number; readonly domain: string; readonly directory: string; readonly offset: number; readonly limit: number }; answer: ReaderPage };
  /** The first `limit` hits, and whether there are more. */
  search: { args: { readonly handle: number; readonly text: string; readonly limit: number; readonly domain?: string }; answer: ReaderHits };
  /** The whole plaintext of a regular file when it is at most `maxBytes`, else undefined. */
  readFile: { args: { readonly handle: number; readonly domain: string; readonly relativePath: string; readonly maxBytes: number }; answer: Uint8Array | undefined };
  extract: { args: { readonly handle: number; readonly selection: BackupPath; readonly to: string }; answer: ExtractResult };
  close: { args: { readonly handle: number }; answer: undefined };
  /** A question about the open backup's library (src/main/library: LibraryCalls gives its answer's type). */
  library: { args: { readonly handle: number; readonly kind: LibraryCallKind; readonly args: unknown }; answer: unknown };
}

export type ReaderCallKind = keyof ReaderCalls;

export interface ReaderRequest<K extends ReaderCallKind = ReaderCallKind> {
  readonly id: number;
  readonly kind: K;
  readonly args: ReaderCalls[K]['args'];
}

export type ReaderReply =
  /** The thread has loaded (id 0), or has begun the call `id`: its deadline starts now, not while it waited behind another. */
  | { readonly id: number; readonly type: 'started' }
  | { readonly id: number; readonly type: 'answer'; readonly value: unknown }
  | { readonly id: number; readonly type: 'failure'; readonly code: BackupErrorCode | undefined; readonly message: string }
  | { readonly id: number; readonly type: 'progress'; readonly progress: ExtractProgress };

/** A Buffer again from what structured clone made of one. */
export function reviveBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
