import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { unlockBackup, type BackupKeys } from '../crypto';
import { MAX_METADATA_FILE_BYTES, readRegularFileSync } from '../store/backup-content';
import { recoverInterruptedCommits } from '../store/backup-store';
import { LIFEBOAT_DIR } from '../store/store-layout';
import { discoverBackups, type BackupCandidate } from './backup-discovery';
import { archiveBackupFolder, deleteBackupFolder } from './backup-operations';
import { inspectBackup, type InspectionResult, type InspectOptions } from './backup-inspection';
import type { BackupFilter, BackupRecord, RefreshResult, VerifyReport } from './catalog-model';
import { backupIdFor, CatalogStore, type StoredBackup } from './catalog-store';
import type { TotalsRunner } from './catalog-totals';
import { folderFingerprint } from './folder-usage';

/**
 * The backup history (issue 4): every backup under a root and in added folders, remembered in
 * `<root>/.lifeboat/catalog.db` so opening the app does not re-read every backup.
 */
export interface BackupCatalog {
  readonly root: string;
  /** Looks for new, changed and vanished backups; unchanged folders (by fingerprint) are skipped. */
  refresh(): Promise<RefreshResult>;
  /** Newest first. */
  list(filter?: BackupFilter): readonly BackupRecord[];
  get(id: string): BackupRecord | undefined;
  /** Opens an encrypted backup (BackupError `wrong-password` if not) and counts its files; the password is kept in memory only. */
  /** `signal` stops the key derivation (BackupError `cancelled`). */
  unlock(id: string, password: string, signal?: AbortSignal): Promise<BackupRecord>;
  /** Checks every listed file is there with its recorded size; encrypted backups need the password (given now or to unlock()). */
  verify(id: string, options?: { readonly password?: string; readonly signal?: AbortSignal }): Promise<VerifyReport>;
  /** Deletes a backup inside the root (a snapshot, an archive, or a device's backup, optionally with its snapshots). */
  delete(id: string, options?: { readonly includeSnapshots?: boolean }): Promise<void>;
  /** Copies a backup to `<root>/<UDID>-yyyyMMdd-HHmmss`, which later backups never replace. */
  archive(id: string): Promise<BackupRecord>;
  /** Bytes on disk of the listed backups together, counting hard-linked files once (on this thread). */
  totalBytes(filter?: BackupFilter): number;
  /** Which state of the history list() reads now; it changes with every backup stored or forgotten. */
  version(): number;
  /**
   * What every backup takes on disk as the history was at `version`, per phone (a snapshot counts
   * for the phone it is of: `snapshotOf`, else `udid`) and in all, hard-linked files counted once,
   * with the backups counted; summed by `sumTotals` when given. Undefined when the history has
   * changed since `version`: a total is never given for other backups than the ones listed then.
   */
  usage(version: number): Promise<CatalogUsage | undefined>;
  /** usage(version) when it has been counted already, without waiting. */
  countedUsage(version: number): CatalogUsage | undefined;
  close(): void;
}

export interface CatalogOptions {
  /** Folders whose backups also appear (read-only), e.g. an iTunes MobileSync/Backup folder. */
  readonly extraFolders?: readonly string[];
  /**
   * How one folder is looked at; default inspectBackup on this thread. The app passes an
   * UntrustedBackupReader's (src/main/reader), which runs it on a worker thread with a
   * deadline, so a hostile folder cannot freeze the window; a failure lists the folder as damaged.
   */
  readonly inspect?: (folder: string, options: InspectOptions, signal?: AbortSignal) => Promise<InspectionResult>;
  /**
   * The app passes true for a folder the person chose that is not there now (a disk unplugged) or
   * did not answer its asynchronous look (a network drive's server down; core/backup-root-check.ts).
   * The root is then neither made, which would put backups on the computer's own disk, nor looked
   * at, as a synchronous look would freeze the window until the server answers: the history is
   * kept in memory only, listing the added folders, and nothing is written anywhere. Default
   * false: a missing root is made (Lifeboat's own default folder, the CLI).
   */
  readonly rootUnavailable?: boolean;
  /**
   * false: a missing root is not made either, and the history is kept in memory (a reader, such as
   * the restore check, which must not make a folder whose disk went away since the app looked).
   */
  readonly createRoot?: boolean;
  /**
   * Where usage() sums the backups' inodes; default this thread. The app passes its reader thread's
   * (src/main/reader): the union of a million-file phone's backups takes ~0.5 s of one SQLite call.
   */
  readonly sumTotals?: TotalsRunner;
}

export const CATALOG_FILE = 'catalog.db';

export interface CatalogUsage {
  readonly totalBytes: number;
  readonly phones: ReadonlyArray<{ readonly udid: string; readonly diskBytes: number; readonly backupIds: readonly string[] }>;
}

function matches(record: BackupRecord, filter: BackupFilter | undefined): boolean {
  if (!filter) return true;
  return (
    (filter.udid === undefined || record.udid === filter.udid) &&
    (filter.status === undefined || record.status === filter.status) &&
    (filter.location === undefined || record.location === filter.location) &&
    (filter.encrypted === undefined || record.encrypted === filter.encrypted) &&
    (filter.archived === undefined || record.archived === filter.archived)
  );
}

function newestFirst(a: BackupRecord, b: BackupRecord): number {
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.path.localeCompare(b.path);
}

function unreadableFolderRecord(candidate: BackupCandidate, error: unknown): InspectionResult {
  return {
    inodes: new Map(),
    inspection: {
      udid: candidate.snapshotOf ?? path.basename(candidate.path),
      madeBy: 'other',
      sizeBytes: 0,
      reclaimableBytes: 0,
      contentBytes: 0,
      encrypted: false,
      countsUnknownReason: 'The backup folder cannot be read.',
      archived: false,
      format: 'unknown',
      status: 'damaged',
      problems: [{ severity: 'damaged', message: `The backup folder cannot be read (${(error as Error).message}).` }],
    },
  };
}

export function openCatalog(root: string, options: CatalogOptions = {}): BackupCatalog {
  const keepInMemory = options.rootUnavailable === true || (options.createRoot === false && !fs.existsSync(root));
  if (!keepInMemory && !fs.existsSync(root)) fs.mkdirSync(root, { recursive: true });
  const realRoot = keepInMemory ? path.resolve(root) : fs.realpathSync(root);
  const store = new CatalogStore(keepInMemory ? undefined : path.join(realRoot, LIFEBOAT_DIR, CATALOG_FILE));
  const extraFolders = options.extraFolders ?? [];
  /** Passwords given this session, by backup id; never written anywhere. */
  const passwords = new Map<string, string>();

  const requireStored = (id: string): StoredBackup => {
    const stored = store.get(id);
    if (!stored) throw new BackupError('not-found', 'That backup is not in the history any more; refresh the list and try again.');
    return stored;
  };

  const keysFor = async (folder: string, password: string, signal?: AbortSignal): Promise<BackupKeys> => {
    let manifest: Buffer;
    try {
      manifest = readRegularFileSync(path.join(folder, 'Manifest.plist'), MAX_METADATA_FILE_BYTES);
    } catch (error) {
      throw new BackupError('corrupt', 'The backup has no readable Manifest.plist, so its encryption cannot be opened.', { cause: error });
    }
    return unlockBackup(manifest, password, signal);
  };

  /** Inspects a folder and stores the result; `keys` opens an encrypted manifest. */
  const record = async (candidate: BackupCandidate, keys?: BackupKeys, checkSizes = false, signal?: AbortSignal): Promise<{ stored: StoredBackup; result: InspectionResult }> => {
    const fingerprint = await folderFingerprint(candidate.path).catch(() => 'unreadable');
    let result: InspectionResult;
    try {
      result = await (options.inspect ?? inspectBackup)(candidate.path, { keys, snapshotOf: candidate.snapshotOf, checkSizes }, signal);
    } catch (error) {
      // A cancelled verify says nothing about the folder: the record it had stays.
      if (signal?.aborted) throw error instanceof BackupError && error.code === 'cancelled' ? error : new BackupError('cancelled', 'Checking the backup was cancelled.', { cause: error });
      result = unreadableFolderRecord(candidate, error);
    }
    const stored: StoredBackup = {
      record: {
        id: backupIdFor(candidate.path),
        path: candidate.path,
        location: candidate.location,
        ...result.inspection,
        checkedAt: new Date().toISOString(),
        ...(checkSizes ? { verifiedAt: new Date().toISOString() } : {}),
      },
      fingerprint,
      unlocked: keys !== undefined,
    };
    await store.put(stored, result.inodes);
    return { stored, result };
  };

  /** Keys from a password remembered this session; a password that no longer fits is forgotten. */
  const rememberedKeys = async (id: string, folder: string): Promise<BackupKeys | undefined> => {
    const password = passwords.get(id);
    if (password === undefined) return undefined;
    try {
      return await keysFor(folder, password);
    } catch {
      passwords.delete(id);
      return undefined;
    }
  };

  /** The last usage asked for (or being counted), and the last one counted, by version. */
  let counted: { readonly version: number; readonly usage: Promise<CatalogUsage | undefined> } | undefined;
  let settled: { readonly version: number; readonly usage: CatalogUsage } | undefined;
  const countUsage = async (version: number): Promise<CatalogUsage | undefined> => {
    if (store.version !== version) return undefined;
    const groups = new Map<string, string[]>();
    for (const { record } of store.all()) {
      const phone = record.snapshotOf ?? record.udid;
      groups.set(phone, [...(groups.get(phone) ?? []), record.id]);
    }
    const totals = await store.totalsAt(version, groups, options.sumTotals);
    if (!totals) return undefined;
    const usage = { totalBytes: totals.totalBytes, phones: [...groups].map(([udid, backupIds]) => ({ udid, diskBytes: totals.groups.get(udid) ?? 0, backupIds })) };
    settled = { version, usage };
    return usage;
  };

  const candidateOf = (stored: BackupRecord): BackupCandidate => ({ path: stored.path, location: stored.location, ...(stored.snapshotOf && stored.location !== 'root' ? { snapshotOf: stored.snapshotOf } : {}) });

  return {
    root: realRoot,

    async refresh() {
      // A crash between a commit's two renames must not show an older backup as the newest, or
      // none at all. A failure here is left for the next backup to report: listing still works.
      if (!keepInMemory) await recoverInterruptedCommits(realRoot).catch(() => []);
      const known = new Map(store.all().map((stored) => [stored.record.path, stored]));
      const counts = { added: 0, updated: 0, unchanged: 0, removed: 0 };
      for (const candidate of discoverBackups(keepInMemory ? undefined : realRoot, extraFolders)) {
        const previous = known.get(candidate.path);
        known.delete(candidate.path);
        const id = backupIdFor(candidate.path);
        const fingerprint = await folderFingerprint(candidate.path).catch(() => 'unreadable');
        const wantsUnlock = passwords.has(id) && !previous?.unlocked;
        if (previous && previous.fingerprint === fingerprint && previous.record.location === candidate.location && !wantsUnlock) {
          counts.unchanged += 1;
          continue;
        }
        await record(candidate, await rememberedKeys(id, candidate.path));
        if (previous) counts.updated += 1;
        else counts.added += 1;
      }
      for (const gone of known.values()) {
        await store.remove(gone.record.id);
        counts.removed += 1;
      }
      return counts;
    },

    list(filter) {
      return store.all().map((stored) => stored.record).filter((item) => matches(item, filter)).sort(newestFirst);
    },

    get(id) {
      return store.get(id)?.record;
    },

    async unlock(id, password, signal) {
      const stored = requireStored(id);
      if (!stored.record.encrypted) throw new BackupError('unsupported', 'This backup is not encrypted, so it needs no password.');
      const keys = await keysFor(stored.record.path, password, signal);
      passwords.set(id, password);
      return (await record(candidateOf(stored.record), keys)).stored.record;
    },

    async verify(id, verifyOptions = {}) {
      const stored = requireStored(id);
      let keys: BackupKeys | undefined;
      if (stored.record.encrypted) {
        const password = verifyOptions.password ?? passwords.get(id);
        if (password === undefined) throw new BackupError('password-required', 'This backup is encrypted: enter its password to verify it.');
        keys = await keysFor(stored.record.path, password, verifyOptions.signal);
        passwords.set(id, password);
      }
      const { stored: fresh, result } = await record(candidateOf(stored.record), keys, true, verifyOptions.signal);
      const check = result.fileCheck;
      return {
        backupId: id,
        ok: fresh.record.status === 'complete',
        checkedFiles: check?.checked ?? 0,
        problems: fresh.record.problems.map((problem) => problem.message),
        missingCount: check?.missingCount ?? 0,
        wrongSizeCount: check?.wrongSizeCount ?? 0,
        missing: check?.missing ?? [],
        wrongSize: check?.wrongSize ?? [],
      };
    },

    async delete(id, deleteOptions = {}) {
      const stored = requireStored(id);
      const doomed = [stored.record];
      if (deleteOptions.includeSnapshots && stored.record.location === 'root' && !stored.record.archived) {
        doomed.push(...store.all().map((other) => other.record).filter((other) => other.location === 'snapshot' && other.snapshotOf === path.basename(stored.record.path)));
      }
      for (const item of doomed) {
        await deleteBackupFolder(item, realRoot);
        await store.remove(item.id);
      }
    },

    async archive(id) {
      const stored = requireStored(id);
      const target = await archiveBackupFolder(stored.record, realRoot);
      const keys = stored.record.encrypted ? await rememberedKeys(id, stored.record.path) : undefined;
      const archived = await record({ path: target, location: 'root' }, keys);
      const password = passwords.get(id);
      if (keys && password !== undefined) passwords.set(archived.stored.record.id, password);
      return archived.stored.record;
    },

    version: () => store.version,

    usage(version) {
      if (counted?.version === version) return counted.usage;
      const usage = countUsage(version);
      counted = { version, usage };
      // A sum that failed (its thread stopped) is tried again when asked again.
      usage.catch(() => {
        if (counted?.usage === usage) counted = undefined;
      });
      return usage;
    },

    countedUsage: (version) => (settled?.version === version ? settled.usage : undefined),

    totalBytes(filter) {
      return store.totalBytes(store.all().map((stored) => stored.record).filter((item) => matches(item, filter)).map((item) => item.id));
    },

    close() {
      passwords.clear();
      store.close();
    },
  };
}
