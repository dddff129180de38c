import type { Worker } from 'node:worker_threads';
import { BackupError } from '../backup/backup-error';
import type { BackupPath, ExtractProgress, ExtractResult } from '../browser/extract-files';
import type { DomainSummary } from '../browser/backup-browser';
import type { InspectionResult, InspectOptions } from '../backup/catalog/backup-inspection';
import type { TotalsRunner } from '../backup/catalog/catalog-totals';
import { LONG_LIBRARY_CALLS, type LibraryCallKind, type LibraryCalls } from '../library';
import { type OpenedBackup, type ReaderCallKind, type ReaderCalls, type ReaderEntry, type ReaderHits, type ReaderPage, type ReaderReply, reviveBuffer } from './reader-protocol';
import { startReaderWorker } from './worker-module';

/**
 * Reads backup folders — untrusted input (issue 13) — on a worker thread, so a hostile folder can
 * neither freeze the app's main process nor outlive a cancel: catalog inspection (listing,
 * verify) and the backup browser (open, list, search, preview, extract). Every call has a
 * deadline; a call that passes it, or whose signal is aborted, terminates the thread (SQLite
 * cannot be interrupted from JavaScript: better-sqlite3 has no progress handler) and fails with a
 * sentence. The next call starts a fresh thread; backups open in the old one must be opened again.
 */
export interface UntrustedBackupReader {
  /** inspectBackup (catalog/backup-inspection.ts) off the main thread. */
  inspect(folder: string, options: InspectOptions, signal?: AbortSignal): Promise<InspectionResult>;
  /** The catalog's totals (catalog-totals.ts) summed on the thread: the catalog's `sumTotals`. */
  readonly totals: TotalsRunner;
  /** Opens a backup for browsing (with its password when encrypted). */
  open(folder: string, password?: string, signal?: AbortSignal): Promise<OpenedBackup>;
  domains(handle: number, signal?: AbortSignal): Promise<readonly DomainSummary[]>;
  /** One page of a folder's entries (name order) and how many it holds. */
  list(handle: number, domain: string, directory: string, page: { readonly offset: number; readonly limit: number }, signal?: AbortSignal): Promise<ReaderPage>;
  /** The first `limit` hits of a search, and whether there are more. */
  search(handle: number, text: string, options: { readonly limit: number; readonly domain?: string }, signal?: AbortSignal): Promise<ReaderHits>;
  /** The plaintext of a regular file of at most `maxBytes`; undefined for anything else or bigger. */
  readFile(handle: number, entry: Pick<ReaderEntry, 'domain' | 'relativePath'>, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined>;
  extract(handle: number, selection: BackupPath, to: string, options?: { readonly signal?: AbortSignal; readonly onProgress?: (progress: ExtractProgress) => void }): Promise<ExtractResult>;
  closeBackup(handle: number): Promise<void>;
  /** A question about an open backup's library (Messages, Contacts…; src/main/library); exports get the long deadline. */
  library<K extends LibraryCallKind>(handle: number, kind: K, args: LibraryCalls[K]['args'], signal?: AbortSignal): Promise<LibraryCalls[K]['answer']>;
  /** Stops the thread; pending calls fail. */
  close(): Promise<void>;
}

export interface UntrustedReaderOptions {
  /** Longest a listing, search, preview or inspection may take (default 2 minutes). */
  readonly deadlineMs?: number;
  /** Longest a verify (an inspection that checks sizes) or an extraction may take (default 30 minutes). */
  readonly longDeadlineMs?: number;
  /** Longest the thread may take to load (tsx compiles it in development); default `deadlineMs`. */
  readonly startDeadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 2 * 60_000;
const DEFAULT_LONG_DEADLINE_MS = 30 * 60_000;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  /** Starts the call's deadline: when the thread begins it, not while it waits behind another call. */
  readonly begin: () => void;
  readonly onProgress?: (progress: ExtractProgress) => void;
}

export function createUntrustedBackupReader(options: UntrustedReaderOptions = {}): UntrustedBackupReader {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const longDeadlineMs = options.longDeadlineMs ?? DEFAULT_LONG_DEADLINE_MS;
  const startDeadlineMs = options.startDeadlineMs ?? deadlineMs;
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  /** Ends the thread and fails everything it was doing with `error`. */
  const stop = (error: Error): void => {
    const stopping = worker;
    worker = undefined;
    if (stopping) void stopping.terminate();
    for (const [, call] of pending) call.reject(error);
    pending.clear();
  };

  const thread = (): Worker => {
    if (worker) return worker;
    const started = startReaderWorker();
    // An idle reader does not keep the CLI or a test process alive.
    started.unref();
    // Loading the thread (tsx compiles it from TypeScript in development) has a deadline too.
    const loading = setTimeout(() => {
      if (worker === started) stop(new BackupError('io', `The background thread that reads backups did not start within ${Math.round(startDeadlineMs / 1000)} seconds.`));
    }, startDeadlineMs);
    started.on('message', (reply: ReaderReply) => {
      if (reply.id === 0) {
        clearTimeout(loading);
        return;
      }
      const call = pending.get(reply.id);
      if (!call) return;
      if (reply.type === 'started') {
        call.begin();
        return;
      }
      if (reply.type === 'progress') {
        call.onProgress?.(reply.progress);
        return;
      }
      pending.delete(reply.id);
      if (reply.type === 'answer') call.resolve(reply.value);
      else call.reject(reply.code ? new BackupError(reply.code, reply.message) : new Error(reply.message));
    });
    started.on('error', (error) => {
      if (worker === started) stop(new BackupError('io', `Reading backups on a background thread failed (${error.message}).`, { cause: error }));
    });
    started.on('exit', () => {
      clearTimeout(loading);
      if (worker === started) stop(new BackupError('io', 'The background thread that reads backups stopped unexpectedly.'));
    });
    worker = started;
    return started;
  };

  const call = <K extends ReaderCallKind>(kind: K, args: ReaderCalls[K]['args'], limitMs: number, signal?: AbortSignal, onProgress?: (progress: ExtractProgress) => void): Promise<ReaderCalls[K]['answer']> => {
    if (signal?.aborted) return Promise.reject(new BackupError('cancelled', 'Reading the backup was cancelled.'));
    const target = thread();
    const id = nextId++;
    return new Promise<ReaderCalls[K]['answer']>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const begin = (): void => {
        timer = setTimeout(() => {
          // The thread is stuck in one synchronous call (or a file system that never answers): only ending it frees it.
          stop(new BackupError('corrupt', `Reading the backup took longer than ${Math.round(limitMs / 1000)} seconds and was stopped; its files may be damaged or made to hang whoever reads them.`));
        }, limitMs);
      };
      const onAbort = (): void => stop(new BackupError('cancelled', 'Reading the backup was cancelled.'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as ReaderCalls[K]['answer']);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        begin,
        ...(onProgress ? { onProgress } : {}),
      });
      target.postMessage({ id, kind, args });
    });
  };

  return {
    inspect: (folder, inspectOptions, signal) => call('inspect', { folder, options: inspectOptions }, inspectOptions.checkSizes ? longDeadlineMs : deadlineMs, signal),
    totals: (image, groups) => call('totals', { image, groups }, deadlineMs),
    open: (folder, password, signal) => call('open', { folder, ...(password === undefined ? {} : { password }) }, deadlineMs, signal),
    domains: (handle, signal) => call('domains', { handle }, deadlineMs, signal),
    list: (handle, domain, directory, page, signal) => call('list', { handle, domain, directory, offset: page.offset, limit: page.limit }, deadlineMs, signal),
    search: (handle, text, searchOptions, signal) => call('search', { handle, text, limit: searchOptions.limit, ...(searchOptions.domain === undefined ? {} : { domain: searchOptions.domain }) }, deadlineMs, signal),
    async readFile(handle, entry, maxBytes, signal) {
      const bytes = await call('readFile', { handle, domain: entry.domain, relativePath: entry.relativePath, maxBytes }, deadlineMs, signal);
      return bytes === undefined ? undefined : reviveBuffer(bytes);
    },
    extract: (handle, selection, to, extractOptions = {}) => call('extract', { handle, selection, to }, longDeadlineMs, extractOptions.signal, extractOptions.onProgress),
    library: async (handle, kind, args, signal) => (await call('library', { handle, kind, args }, LONG_LIBRARY_CALLS.has(kind) ? longDeadlineMs : deadlineMs, signal)) as never,
    async closeBackup(handle) {
      if (worker) await call('close', { handle }, deadlineMs);
    },
    async close() {
      stop(new BackupError('cancelled', 'The backup reader was closed.'));
    },
  };
}
