import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type PlistDict, isPlistDict, plistString } from '../device/codec';
import { BackupError } from '../backup/backup-error';
import { readPlistFile, valueOf } from '../backup/catalog/backup-metadata';
import { type BackupKeys, createFileDecryptor, encryptedContentSize, isEncryptedBackup, unlockBackup } from '../backup/crypto';
import { isContentPresent, openContentFile } from '../backup/store';
import { BackupIndex, type DomainCount, type EntryPage, type IndexedEntry, type SearchPage } from './backup-index';

/**
 * The backup browser (issue 5): open any backup folder — Lifeboat's, iTunes', Finder's,
 * idevicebackup2's, a snapshot, an encrypted one with its password — list its domains and apps,
 * browse and search paths, and read files out of it. It only ever reads the folder.
 */

export type BrowserEntry = IndexedEntry;
export type { DomainCount, EntryPage, SearchPage };

export interface BackupSummary {
  readonly folder: string;
  readonly format: 'manifest-db' | 'manifest-mbdb';
  readonly encrypted: boolean;
  readonly udid: string | undefined;
  readonly deviceName: string | undefined;
  readonly productType: string | undefined;
  /** iOS version the backup was made from (Manifest.plist Lockdown, else Info.plist). */
  readonly productVersion: string | undefined;
  /** ISO-8601, from Status.plist, Manifest.plist or Info.plist. */
  readonly date: string | undefined;
  /** Rows of the file list (files, folders, links). */
  readonly entries: number;
  /** Sentences about missing metadata (Manifest.plist, Status.plist), for a partial backup. */
  readonly notes: readonly string[];
}

export interface DomainSummary extends DomainCount {
  readonly files: number;
  readonly bytes: number;
}

export interface AppSummary {
  readonly bundleId: string;
  /** AppDomain-, AppDomainGroup-, AppDomainPlugin- domains that belong to it. */
  readonly domains: readonly string[];
  readonly files: number;
  readonly bytes: number;
}

export interface MissingReport {
  /** Regular files the list names whose content file is not in the folder. */
  readonly count: number;
  readonly checked: number;
  readonly examples: readonly BrowserEntry[];
}

export interface BackupBrowser {
  readonly summary: BackupSummary;
  /** Domains with their row counts: one quick query. */
  domainCounts(): DomainCount[];
  /** Domains with file counts and bytes: decodes every file record once (then cached). */
  domains(): DomainSummary[];
  apps(): AppSummary[];
  entry(domain: string, relativePath: string): BrowserEntry | undefined;
  /** By Manifest.db fileID (§5.2); for mbdb backups the computed one. */
  entryById(fileId: string): BrowserEntry | undefined;
  /** Entries directly inside a folder ('' = the domain's top). */
  list(domain: string, directory?: string): BrowserEntry[];
  /** One page of a folder's entries, in name order, with how many it holds: rows outside it are never read. */
  listPage(domain: string, directory: string, page: { readonly offset: number; readonly limit: number }): EntryPage;
  /** Everything at or below a path ('' = the whole domain). */
  under(domain: string, relativePath: string): Iterable<BrowserEntry>;
  search(text: string, options?: { readonly limit?: number; readonly domain?: string }): BrowserEntry[];
  /** The first `limit` hits and whether there are more (no search reads every hit of a million-file backup). */
  searchPage(text: string, options: { readonly limit: number; readonly domain?: string }): SearchPage;
  /** Where a regular file's content lives on disk; undefined for anything else. */
  contentFile(entry: BrowserEntry): string | undefined;
  /**
   * Whether a regular file's content file is in the folder (true for anything else); BackupError
   * `corrupt` when a link or a non-regular file stands there (store/backup-content.ts).
   */
  hasContent(entry: BrowserEntry): boolean;
  /**
   * The plaintext of a regular file (decrypted for an encrypted backup), never more than the size
   * the file list records; BackupError `not-found` when its content file is missing, `corrupt`
   * when it is a link or not a regular file.
   */
  openFile(entry: BrowserEntry): Readable;
  /** Which listed files have no content file here (a partial backup such as mvt's). */
  missingFiles(options?: { readonly exampleLimit?: number }): MissingReport;
  close(): void;
}

export interface OpenBrowserOptions {
  /** Needed for an encrypted backup; never stored or logged. */
  readonly password?: string;
  /** Cancels unlocking an encrypted backup: the key derivation stops (crypto/key-derivation.ts), BackupError `cancelled`. */
  readonly signal?: AbortSignal;
}

const APP_DOMAIN = /^(AppDomain|AppDomainGroup|AppDomainPlugin)-(.+)$/;

/** Opens a backup folder for browsing. Throws BackupError `password-required` / `wrong-password` for encrypted ones. */
export async function openBackupBrowser(folder: string, options: OpenBrowserOptions = {}): Promise<BackupBrowser> {
  const root = path.resolve(folder);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new BackupError('not-found', `There is no backup folder at ${root}.`);
  }
  const info = valueOf(readPlistFile(path.join(root, 'Info.plist')));
  const manifestFile = readPlistFile(path.join(root, 'Manifest.plist'));
  const manifest = valueOf(manifestFile);
  const statusFile = readPlistFile(path.join(root, 'Status.plist'));
  const status = valueOf(statusFile);
  const encrypted = manifest !== undefined && isEncryptedBackup(manifest);
  let keys: BackupKeys | undefined;
  if (encrypted) {
    if (options.password === undefined || options.password === '') {
      throw new BackupError('password-required', 'This backup is encrypted: enter its password to open it.');
    }
    keys = await unlockBackup(manifest, options.password, options.signal);
  }
  const index = BackupIndex.open(root, keys);
  const notes: string[] = [];
  if (manifestFile.state !== 'ok') notes.push(`Manifest.plist is ${manifestFile.state === 'missing' ? 'missing' : 'unreadable'}, so the backup cannot be restored as it is.`);
  if (statusFile.state !== 'ok') notes.push(`Status.plist is ${statusFile.state === 'missing' ? 'missing' : 'unreadable'}, so it cannot be told whether the backup finished.`);
  const lockdown = manifest && isPlistDict(manifest.Lockdown) ? manifest.Lockdown : undefined;
  const summary: BackupSummary = {
    folder: root,
    format: index.format,
    encrypted,
    udid: text(lockdown, 'UniqueDeviceID') ?? text(info, 'Unique Identifier') ?? text(info, 'Target Identifier'),
    deviceName: text(lockdown, 'DeviceName') ?? text(info, 'Device Name'),
    productType: text(lockdown, 'ProductType') ?? text(info, 'Product Type'),
    productVersion: text(lockdown, 'ProductVersion') ?? text(info, 'Product Version'),
    date: dateOf(status?.Date) ?? dateOf(manifest?.Date) ?? dateOf(info?.['Last Backup Date']),
    entries: index.count(),
    notes,
  };

  let domainTotals: DomainSummary[] | undefined;
  const domains = (): DomainSummary[] => {
    if (domainTotals) return domainTotals;
    const totals = new Map<string, { files: number; bytes: number }>();
    for (const entry of index.all()) {
      if (entry.kind !== 'file') continue;
      const total = totals.get(entry.domain) ?? { files: 0, bytes: 0 };
      total.files += 1;
      total.bytes += entry.size;
      totals.set(entry.domain, total);
    }
    domainTotals = index.domains().map((count) => ({ ...count, files: totals.get(count.domain)?.files ?? 0, bytes: totals.get(count.domain)?.bytes ?? 0 }));
    return domainTotals;
  };

  const contentFile = (entry: BrowserEntry): string | undefined => (entry.contentPath === undefined ? undefined : path.join(root, ...entry.contentPath.split('/')));
  const shownOf = (entry: BrowserEntry): string => `${entry.domain}/${entry.relativePath}`;
  const hasContent = (entry: BrowserEntry): boolean => entry.contentPath === undefined || isContentPresent(root, entry.contentPath, shownOf(entry));

  return {
    summary,
    domainCounts: () => index.domains(),
    domains,
    apps() {
      const apps = new Map<string, { domains: string[]; files: number; bytes: number }>();
      const declared = manifest && isPlistDict(manifest.Applications) ? Object.keys(manifest.Applications) : [];
      for (const bundleId of declared) apps.set(bundleId, { domains: [], files: 0, bytes: 0 });
      for (const domain of domains()) {
        const match = APP_DOMAIN.exec(domain.domain);
        if (!match) continue;
        const bundleId = match[2] as string;
        const app = apps.get(bundleId) ?? { domains: [], files: 0, bytes: 0 };
        app.domains.push(domain.domain);
        app.files += domain.files;
        app.bytes += domain.bytes;
        apps.set(bundleId, app);
      }
      return [...apps].map(([bundleId, app]) => ({ bundleId, ...app })).sort((a, b) => a.bundleId.localeCompare(b.bundleId));
    },
    entry: (domain, relativePath) => index.entry(domain, relativePath),
    entryById: (fileId) => index.entryById(fileId),
    list: (domain, directory = '') => index.children(domain, directory),
    listPage: (domain, directory, page) => index.childrenPage(domain, directory, page),
    under: (domain, relativePath) => index.under(domain, relativePath),
    search: (searchText, searchOptions) => index.search(searchText, searchOptions),
    searchPage: (searchText, searchOptions) => index.searchPage(searchText, searchOptions),
    contentFile,
    hasContent,
    openFile(entry) {
      if (entry.contentPath === undefined) throw new BackupError('unsupported', `${shownOf(entry)} is not a regular file.`);
      // §6.5: an encrypted file is stored PKCS#7-padded, one block more than its size at most.
      const storedSize = keys && entry.size > 0 ? encryptedContentSize(entry.size) : entry.size;
      const stream = openContentFile(root, entry.contentPath, storedSize, shownOf(entry));
      if (!keys || entry.size === 0) return stream;
      if (!entry.encryptionKey) {
        throw new BackupError('corrupt', `${entry.domain}/${entry.relativePath} has no encryption key in the encrypted backup's file list; the backup is damaged.`);
      }
      const decryptor = createFileDecryptor(keys, entry.encryptionKey, entry.size);
      stream.on('error', (error) => decryptor.destroy(error));
      return stream.pipe(decryptor);
    },
    missingFiles(missingOptions = {}) {
      const limit = missingOptions.exampleLimit ?? 20;
      const examples: BrowserEntry[] = [];
      let count = 0;
      let checked = 0;
      for (const entry of index.all()) {
        if (entry.contentPath === undefined) continue;
        checked += 1;
        if (hasContent(entry)) continue;
        count += 1;
        if (examples.length < limit) examples.push(entry);
      }
      return { count, checked, examples };
    },
    close: () => index.close(),
  };
}

function text(dict: PlistDict | undefined, key: string): string | undefined {
  return dict ? plistString(dict[key]) : undefined;
}

function dateOf(value: unknown): string | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : undefined;
}
