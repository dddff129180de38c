import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generateFactoryFiles, generatePhone } from './phone-generator';
import type { GeneratedFile } from './generated-file';
import { BlobStore } from './phone-blobs';
import { PhoneContentReader } from './phone-content-reader';
import { ReusedListing } from './phone-listing';
import { entryFromListed, entryFromRow, prepareStatements, rowFor, SCHEMA, type ContentLocation, type EntryRow, type PhoneStatements } from './phone-index';
import type { Phone, PhoneApp, PhoneEntry, PhoneEntryInput, PhoneStats, PhoneUsage } from './phone-model';
import { readPhoneApps, readPhoneStats, readPhoneUsage } from './phone-summary';
import { PROFILE_SPECS, type PhoneProfile } from './profiles';

/**
 * The virtual iPhone's file store (protocol.md §5.8, §8.2): a SQLite index in `dir/phone.db`
 * plus blob files for written content. Generated on first open from seed + profile.
 */
export interface OpenPhoneOptions {
  readonly seed: number;
  readonly profile: PhoneProfile;
}

export const DIRECTORY_MODE = 0o040755;
export const FILE_MODE = 0o100644;
export const SYMLINK_MODE = 0o120755;
/** Space iOS itself takes, so a new phone does not report its whole capacity free. */
const SYSTEM_BYTES = 9_000_000_000;
const PAGE_SIZE = 1000;
const DEFAULT_CHUNK = 1024 * 1024;

/** Parent directories of a relative path, the domain root ("") first. */
export function parentsOf(relativePath: string): string[] {
  if (relativePath === '') return [];
  const parts = relativePath.split('/');
  const parents = [''];
  for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
  return parents;
}

/** Sync bookkeeping (AFC lock file, iTunes_Control, restore staging) is not user data. */
function isHousekeeping(domain: string, relativePath: string): boolean {
  return domain === 'MediaDomain' && /^Media\/(com\.apple\.itunes\.lock_sync$|iTunes_Control(\/|$)|iTunesRestore(\/|$)|PublicStaging(\/|$))/.test(relativePath);
}

class SqlitePhone implements Phone {
  private readonly sql: PhoneStatements;
  private readonly blobs: BlobStore;
  private readonly content: PhoneContentReader;
  /** The last listing, reused while nothing changes (a phone backed up twice is listed once). */
  private readonly listing = new ReusedListing(
    () => this.sql.dataVersion.get() ?? 0,
    (after) => this.pagedEntries(after),
  );

  constructor(private readonly db: Database.Database, dir: string) {
    this.sql = prepareStatements(db);
    this.blobs = new BlobStore(dir, () => `${this.nextCounter('next_blob')}.bin`);
    this.content = new PhoneContentReader(this.sql, this.blobs);
  }

  // ---- reading ---------------------------------------------------------------------------------

  entries(): IterableIterator<PhoneEntry> {
    return this.listing.entries();
  }

  /**
   * Differs whenever the phone's content may have changed since it was last read: this store's
   * own writes and SQLite's data_version (commits by another connection to phone.db).
   */
  version(): string {
    return this.listing.version();
  }

  /** Pages instead of one open cursor, so callers may read content or write while iterating. */
  private *pagedEntries(after: PhoneEntry | undefined): IterableIterator<PhoneEntry> {
    let domain = after?.domain ?? '';
    let relativePath = after?.relativePath ?? '';
    let first = after === undefined;
    for (;;) {
      const rows = first ? this.sql.listFirst.all(PAGE_SIZE) : this.sql.listAfter.all(domain, relativePath, PAGE_SIZE);
      first = false;
      for (const row of rows) {
        const entry = entryFromListed(row);
        if (row[13] !== 'none') this.content.noteListed(entry, row); // a file (content_kind), not a dir or link
        yield entry;
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < PAGE_SIZE) return;
      domain = last[0];
      relativePath = last[1];
    }
  }

  entry(domain: string, relativePath: string): PhoneEntry | undefined {
    const row = this.sql.get.get(domain, relativePath);
    return row ? entryFromRow(row) : undefined;
  }

  /** Entries directly inside a directory (AFC ReadDirectory). */
  children(domain: string, relativePath: string): PhoneEntry[] {
    const prefix = relativePath === '' ? '' : `${relativePath}/`;
    const rows = relativePath === ''
      ? this.db.prepare<[string], EntryRow>("SELECT * FROM entries WHERE domain = ? AND relative_path != ''").all(domain)
      : this.sql.below.all(domain, prefix, `${relativePath}0`);
    return rows.filter((row) => !row.relative_path.slice(prefix.length).includes('/')).map(entryFromRow);
  }

  stats(): PhoneStats {
    return readPhoneStats(this.db);
  }

  usage(): PhoneUsage {
    return readPhoneUsage(this.db);
  }

  apps(): readonly PhoneApp[] {
    return readPhoneApps(this.db);
  }

  readContent(entry: PhoneEntry, chunkSize = DEFAULT_CHUNK): AsyncIterable<Buffer> {
    return this.content.read(entry, chunkSize);
  }

  readContentSync(entry: PhoneEntry, chunkSize = DEFAULT_CHUNK): Iterable<Buffer> {
    return this.content.readSync(entry, chunkSize);
  }

  /** Random access to a file's bytes (AFC FileRead at any offset). */
  readRange(entry: PhoneEntry, offset: number, length: number): Promise<Buffer> {
    return this.content.readRange(entry, offset, length);
  }

  // ---- writing ---------------------------------------------------------------------------------

  async writeFile(input: PhoneEntryInput, content: Buffer | AsyncIterable<Buffer>): Promise<PhoneEntry> {
    const { name, size } = await this.blobs.write(content);
    const entry = this.store({ ...input, kind: 'file' }, size, { kind: 'blob', blob: name });
    return entry;
  }

  putEntry(input: PhoneEntryInput): PhoneEntry {
    if (input.kind === 'file') throw new Error('putEntry creates directories and symlinks; use writeFile for a regular file.');
    return this.store(input, 0, { kind: 'none' });
  }

  /** Records an entry whose content is already described (the generator, phone changes). */
  putGenerated(file: GeneratedFile): PhoneEntry {
    this.forgetListedRows();
    const replacedBlobs: string[] = [];
    const entry = this.db.transaction(() => this.insertGenerated(file, new Set<string>(), replacedBlobs))();
    for (const blob of replacedBlobs) this.blobs.retire(blob);
    return entry;
  }

  private store(input: PhoneEntryInput, size: number, content: ContentLocation): PhoneEntry {
    this.forgetListedRows();
    const replacedBlobs: string[] = [];
    const entry = this.db.transaction(() => {
      const existing = this.sql.get.get(input.domain, input.relativePath);
      if (existing && existing.kind !== input.kind) replacedBlobs.push(...this.deleteRows(input.domain, input.relativePath));
      else if (existing?.blob) replacedBlobs.push(existing.blob);
      this.ensureParents(input.domain, input.relativePath, input.mtime, input.uid);
      const inode = existing && existing.kind === input.kind ? existing.inode : this.nextCounter('next_inode');
      const stored: PhoneEntry = { ...input, size, inode };
      this.sql.upsert.run(rowFor(stored, content, false));
      if (!isHousekeeping(input.domain, input.relativePath)) this.sql.setMeta.run('factory', '0');
      return stored;
    })();
    // Only once the index no longer names them (a rolled-back write keeps its old blob).
    for (const blob of replacedBlobs) this.blobs.retire(blob);
    return entry;
  }

  removeEntry(domain: string, relativePath: string): void {
    this.forgetListedRows();
    const doomed = this.db.transaction(() => this.deleteRows(domain, relativePath))();
    for (const blob of doomed) this.blobs.retire(blob);
  }

  /** Deletes an entry and everything below it from the index; returns the blobs no entry names any more. */
  private deleteRows(domain: string, relativePath: string): string[] {
    const doomed = relativePath === ''
      ? this.db.prepare<[string], EntryRow>('SELECT * FROM entries WHERE domain = ? AND blob IS NOT NULL').all(domain)
      : [...this.sql.below.all(domain, `${relativePath}/`, `${relativePath}0`), ...[this.sql.get.get(domain, relativePath)].filter((row) => row !== undefined)];
    if (relativePath === '') {
      this.db.prepare('DELETE FROM entries WHERE domain = ?').run(domain);
    } else {
      this.sql.deleteBelow.run(domain, `${relativePath}/`, `${relativePath}0`);
      this.sql.deleteOne.run(domain, relativePath);
    }
    return doomed.flatMap((row) => (row.blob ? [row.blob] : []));
  }

  moveEntry(fromDomain: string, fromPath: string, toDomain: string, toPath: string): void {
    if (fromDomain === toDomain && fromPath === toPath) return;
    if (fromDomain === toDomain && toPath.startsWith(`${fromPath}/`)) {
      throw new Error(`Cannot move ${fromPath} into itself (${toPath}).`);
    }
    this.forgetListedRows();
    const replacedBlobs: string[] = [];
    this.db.transaction(() => {
      const source = this.sql.get.get(fromDomain, fromPath);
      if (!source) throw new Error(`${fromDomain}/${fromPath} does not exist.`);
      const target = this.sql.get.get(toDomain, toPath);
      if (target) {
        const occupied = target.kind === 'directory' && this.children(toDomain, toPath).length > 0;
        if (occupied || (target.kind === 'directory') !== (source.kind === 'directory')) {
          throw new Error(`${toDomain}/${toPath} already exists.`);
        }
        replacedBlobs.push(...this.deleteRows(toDomain, toPath));
      }
      this.ensureParents(toDomain, toPath, source.mtime, source.uid);
      const rows = [source, ...this.sql.below.all(fromDomain, `${fromPath}/`, `${fromPath}0`)];
      this.sql.deleteBelow.run(fromDomain, `${fromPath}/`, `${fromPath}0`);
      this.sql.deleteOne.run(fromDomain, fromPath);
      for (const row of rows) {
        this.sql.upsert.run({ ...row, domain: toDomain, relative_path: toPath + row.relative_path.slice(fromPath.length) });
      }
      if (!isHousekeeping(toDomain, toPath)) this.sql.setMeta.run('factory', '0');
    })();
    for (const blob of replacedBlobs) this.blobs.retire(blob);
  }

  setModificationTime(domain: string, relativePath: string, mtime: number): void {
    this.forgetListedRows();
    this.db.prepare('UPDATE entries SET mtime = ? WHERE domain = ? AND relative_path = ?').run(mtime, domain, relativePath);
  }

  eraseToFactory(): void {
    this.forgetListedRows();
    this.db.transaction(() => {
      this.db.exec('DELETE FROM entries; DELETE FROM apps;');
      this.blobs.removeAll();
      const seen = new Set<string>();
      for (const file of generateFactoryFiles(this.seed())) this.insertGenerated(file, seen, []);
      this.sql.setMeta.run('factory', '1');
    })();
  }

  isFactoryState(): boolean {
    return this.sql.getMeta.get('factory')?.value === '1';
  }

  capacityBytes(): number {
    return Number(this.sql.getMeta.get('capacity')?.value ?? PROFILE_SPECS.small.capacityBytes);
  }

  freeBytes(): number {
    return Math.max(0, this.capacityBytes() - SYSTEM_BYTES - this.stats().totalBytes);
  }

  settled(): Promise<void> {
    return this.blobs.settled();
  }

  close(): void {
    this.blobs.removeRetiredSync();
    if (this.db.open) this.db.close();
  }

  // ---- generation ------------------------------------------------------------------------------

  generate(seed: number, profile: PhoneProfile): void {
    this.forgetListedRows();
    const phone = generatePhone(seed, profile);
    this.db.transaction(() => {
      this.sql.setMeta.run('seed', String(seed));
      this.sql.setMeta.run('profile', profile);
      this.sql.setMeta.run('capacity', String(PROFILE_SPECS[profile].capacityBytes));
      const addApp = this.db.prepare('INSERT OR REPLACE INTO apps VALUES (?, ?, ?, ?)');
      for (const app of phone.apps) addApp.run(app.bundleId, app.name, app.version, app.bundlePath);
      const seen = new Set<string>();
      for (const file of phone.files) this.insertGenerated(file, seen, []);
      this.sql.setMeta.run('factory', '0');
    })();
  }

  /** Adds or replaces one generated entry; a blob it replaces goes into `replacedBlobs`, for the caller to retire once committed. */
  private insertGenerated(file: GeneratedFile, seenDirectories: Set<string>, replacedBlobs: string[]): PhoneEntry {
    for (const parent of parentsOf(file.relativePath)) {
      const key = `${file.domain}\u0000${parent}`;
      if (seenDirectories.has(key)) continue;
      seenDirectories.add(key);
      this.insertDirectory(file.domain, parent, file.mtime, file.uid, file.system === true);
    }
    let content: ContentLocation = { kind: 'none' };
    let size = 0;
    if (Buffer.isBuffer(file.content)) {
      const name = `${this.nextCounter('next_blob')}.bin`;
      fs.writeFileSync(this.blobs.pathOf(name), file.content);
      content = { kind: 'blob', blob: name };
      size = file.content.length;
    } else if (file.content) {
      content = { kind: 'generated', content: file.content };
      size = file.content.size;
    }
    const existing = this.sql.get.get(file.domain, file.relativePath);
    if (existing?.blob) replacedBlobs.push(existing.blob);
    const entry: PhoneEntry = {
      domain: file.domain, relativePath: file.relativePath, kind: file.kind,
      mode: file.kind === 'symlink' ? SYMLINK_MODE : FILE_MODE,
      uid: file.uid, gid: file.uid, mtime: file.mtime, ctime: file.mtime, birth: file.birth,
      size: file.kind === 'file' ? size : 0,
      inode: existing?.inode ?? this.nextCounter('next_inode'),
      protectionClass: file.protectionClass,
      ...(file.linkTarget === undefined ? {} : { linkTarget: file.linkTarget }),
    };
    this.sql.upsert.run(rowFor(entry, content, file.system === true));
    return entry;
  }

  private insertDirectory(domain: string, relativePath: string, mtime: number, uid: number, system: boolean): void {
    const entry: PhoneEntry = {
      domain, relativePath, kind: 'directory', mode: DIRECTORY_MODE, uid, gid: uid,
      mtime, ctime: mtime, birth: mtime, size: 0, inode: 0, protectionClass: 0,
    };
    if (this.sql.get.get(domain, relativePath)) return;
    this.sql.insertIfMissing.run(rowFor({ ...entry, inode: this.nextCounter('next_inode') }, { kind: 'none' }, system));
  }

  /** Every write passes here: the listed rows and the cached listing are stale from now on. */
  private forgetListedRows(): void {
    this.listing.noteWrite();
    this.content.forget();
  }

  private ensureParents(domain: string, relativePath: string, mtime: number, uid: number): void {
    for (const parent of parentsOf(relativePath)) this.insertDirectory(domain, parent, mtime, uid, false);
  }

  private seed(): number {
    return Number(this.sql.getMeta.get('seed')?.value ?? 0);
  }

  private nextCounter(name: string): number {
    const value = Number(this.sql.getMeta.get(name)?.value ?? 1);
    this.sql.setMeta.run(name, String(value + 1));
    return value;
  }
}

export type StorePhone = SqlitePhone;

/**
 * Opens the phone stored in `dir`, generating it from seed + profile the first time. A phone that
 * already exists keeps its own seed and profile.
 */
export function openPhone(dir: string, options: OpenPhoneOptions): StorePhone {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, 'phone.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const phone = new SqlitePhone(db, dir);
  if (db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'seed'").get() === undefined) {
    phone.generate(options.seed, options.profile);
  }
  return phone;
}
