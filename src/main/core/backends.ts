/**
 * What the core needs from the layers below it, as interfaces: the real adapters (engine-backend,
 * catalog-backend) implement them over src/main/backup, and tests can pass small fakes. Keeping the
 * seams here lets restore, photo import and the backup browser arrive later without touching the core.
 */
import type { BackupsUsageView, BackupView, BrowserPage, BrowserPreviewView, BrowserSessionView, ExtractResult, RestoreCandidatesView, RestorePreflightView, VerifyReport } from '../../shared/contract';
import type { ProgressUpdate } from './job-queue';
import type { LibraryBackend } from './library-backend';

export interface BackupRunOptions {
  readonly udid: string;
  readonly backupRoot: string;
  readonly muxAddress?: string;
  readonly full: boolean;
  readonly cameraRoll: boolean;
  readonly retention: { readonly keepLast?: number; readonly keepMonthly?: number };
  /** Needed only to leave the Camera Roll out of an encrypted backup (never logged). */
  readonly password?: string;
  readonly signal: AbortSignal;
  readonly onProgress: (update: ProgressUpdate) => void;
}

export interface DeviceTarget {
  readonly udid: string;
  readonly muxAddress?: string;
}

interface BackupBackend {
  /** Runs one backup; resolves with the folder it wrote. */
  runBackup(options: BackupRunOptions): Promise<{ readonly backupPath?: string }>;
  getEncryption(target: DeviceTarget): Promise<boolean>;
  setEncryption(target: DeviceTarget & { readonly enabled: boolean; readonly password: string }): Promise<void>;
  changePassword(target: DeviceTarget & { readonly oldPassword: string; readonly newPassword: string }): Promise<void>;
}

/** A list of the history and the version it was read at (CatalogBackend.list). */
export interface ListedBackups {
  readonly backups: readonly BackupView[];
  readonly version: number;
}

export interface CatalogBackend {
  /**
   * Every backup under the root and the extra folders, newest first, with the history's version
   * they were read at: usage() takes it back, so a total always belongs to the list it is shown with.
   */
  list(): Promise<ListedBackups>;
  /**
   * What the backups of the list read at `version` take on disk, per phone and in all, shared
   * (hard-linked) files counted once: `counted` when known already, else `counting`, summed off the
   * main thread, which resolves undefined when the history changed before it was counted (the total
   * would not be the listed backups'). Optional: without it Manage Backups shows no totals.
   */
  usage?(version: number): { readonly counted: BackupsUsageView } | { readonly counting: Promise<BackupsUsageView | undefined> };
  /** The backup a run just wrote into `folder`, once listed. */
  findByPath(folder: string): Promise<BackupView | undefined>;
  /** `signal` (reads:cancel) stops it, in the reader's worker thread too. */
  verify(backupId: string, password?: string, signal?: AbortSignal): Promise<VerifyReport>;
  delete(backupId: string): Promise<void>;
  archive(backupId: string): Promise<BackupView>;
  /**
   * A folder holding the whole backup, for the readers (restore, browse): a reverse-delta snapshot's
   * materialised copy (store/snapshot-chain.ts), made on first use in the backup folder.
   * `beforeCopy` runs first when such a copy is wanted, before the backup folder is touched: it
   * refuses while that folder is away (issue 16's review).
   */
  pathOf(backupId: string, options?: { readonly beforeCopy?: () => Promise<void> }): Promise<string>;
  /** The backup's own folder as listed (for "Show Folder"): never materialises anything. */
  folderOf(backupId: string): Promise<string>;
  close(): void;
}

export interface RestoreBackend {
  preflight(options: DeviceTarget & {
    readonly backupPath: string;
    readonly backupId: string;
    /** What the device manager knows of the phone, for the version and space checks. */
    readonly device?: { readonly productVersion?: string; readonly freeBytes?: number };
  }): Promise<RestorePreflightView>;
  run(options: DeviceTarget & {
    readonly backupPath: string;
    readonly password?: string;
    readonly system: boolean;
    /** Restore the backup's settings too; optional so older callers keep the phone's. */
    readonly settings?: boolean;
    readonly reboot: boolean;
    readonly signal: AbortSignal;
    readonly onProgress: (update: ProgressUpdate) => void;
  }): Promise<void>;
  /** Whether the phone looks newly erased and which backups hold its Camera Roll (the after-reset path). */
  /** `rootUnavailable`: the backup folder is not there or not answering, and is neither made nor read (CatalogOptions). */
  candidates?(options: DeviceTarget & { readonly backupRoot: string; readonly extraFolders: readonly string[]; readonly rootUnavailable?: boolean }): Promise<RestoreCandidatesView>;
}

/** "Convert HEIC to JPEG" and whether the HEIC originals stay (they do unless said otherwise). */
export interface HeicConversionChoice {
  readonly convertHeicToJpeg?: boolean;
  readonly keepHeicOriginals?: boolean;
}

interface PhotosBackend {
  /** Resolves with the files it could not copy (the import goes on past them), each with why. */
  importPhotos(options: DeviceTarget & HeicConversionChoice & {
    readonly destination: string;
    readonly signal: AbortSignal;
    readonly onProgress: (update: ProgressUpdate) => void;
  }): Promise<{ readonly notCopied: readonly PhotoImportFailure[] }>;
}

/** A Camera Roll file an import could not copy: its AFC path on the phone and the importer's sentence. */
export interface PhotoImportFailure {
  readonly path: string;
  readonly reason: string;
}

export interface BrowserBackend {
  /** `signal` (reads:cancel) stops the opening, in the reader's worker thread too. */
  open(options: { readonly backupPath: string; readonly backupId: string; readonly password?: string; readonly signal?: AbortSignal }): Promise<BrowserSessionView>;
  list(sessionId: string, options: { readonly domain?: string; readonly directory?: string; readonly offset?: number; readonly limit?: number }): Promise<BrowserPage>;
  search(sessionId: string, query: string, limit?: number): Promise<BrowserPage>;
  extract(sessionId: string, fileIds: readonly string[], destination: string): Promise<ExtractResult>;
  close(sessionId: string): Promise<void>;
  /** A small image preview of a listed file; none for other files or big ones. */
  preview?(sessionId: string, fileId: string): Promise<BrowserPreviewView>;
  /** The open backup's handle in the reader thread, for the library (library-backend.ts) to ask the same thread. */
  readerHandle?(sessionId: string): number;
}

/** Opens the backends for a backup root; the core reopens the catalog when the root changes. */
export interface Backends {
  readonly backup: BackupBackend;
  /**
   * `rootUnavailable`: the root is neither made nor looked at, and nothing is written (catalog.ts,
   * CatalogOptions). `rootMadeByBackup`: a new backup would make the root if it went away (the app's
   * default folder, not one chosen: saved-backup-root.ts), for the sentences that say so.
   */
  openCatalog(backupRoot: string, extraFolders: readonly string[], options?: { readonly rootUnavailable: boolean; readonly rootMadeByBackup?: boolean }): Promise<CatalogBackend>;
  readonly restore?: RestoreBackend;
  readonly photos?: PhotosBackend;
  readonly browser?: BrowserBackend;
  /** Photos, Messages, Contacts… of an open browser session (issue 15). */
  readonly library?: LibraryBackend;
  /**
   * Tries a backup password against the key bag of the backup in `folder` (§6.2–6.3); throws the
   * `wrong-password` error when it does not open it. Nothing to check (no backup yet, not
   * encrypted) resolves: the work itself then finds out.
   */
  checkPassword?(folder: string, password: string, signal?: AbortSignal): Promise<void>;
}
