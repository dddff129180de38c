import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup/backup-error';
import { mbdbRows } from '../backup/catalog/manifest-mbdb';
import { MANIFEST_DB, openManifestDb } from '../backup/catalog/manifest-source';
import { decodeMbFile, manifestEntryKind, type ManifestEntryKind, mbFileKindAndSize } from '../backup/store';
import type { BackupKeys } from '../backup/crypto';
import { contentPathOf, iterateUntrusted, readingUntrusted, readRegularFileSync } from '../backup/store';

/**
 * The searchable file list of one backup: its Manifest.db (protocol.md §5.6), decrypted in memory
 * for an encrypted backup (§6.4), or the rows of an old Manifest.mbdb (§5.7) loaded into an
 * in-memory table of the same shape. Nothing is ever written next to the backup.
 *
 * Queries run in SQLite (prefix and LIKE on relativePath), and MBFile records are decoded only for
 * the rows a query returns, so opening and searching a 500,000-file backup stays quick.
 */

export interface IndexedEntry {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly kind: ManifestEntryKind;
  /** Plaintext bytes (0 for directories and links). */
  readonly size: number;
  readonly mode: number;
  /** Unix seconds of the last modification, when the backup records it. */
  readonly lastModified: number | undefined;
  readonly linkTarget: string | undefined;
  readonly encryptionKey: Buffer | undefined;
  /**
   * Where the content file sits inside the backup folder (`/`-separated); regular files only.
   * Built by the one confinement check (store/backup-content.ts): a row whose fileID is not 40 hex
   * digits makes the query that returns it throw BackupError `corrupt`.
   */
  readonly contentPath: string | undefined;
}

/** One page of a folder's entries and how many it holds in all. */
export interface EntryPage {
  readonly entries: IndexedEntry[];
  readonly total: number;
}

/** The first hits of a search, and whether it found more than it returned. */
export interface SearchPage {
  readonly entries: IndexedEntry[];
  readonly more: boolean;
}

export interface DomainCount {
  readonly domain: string;
  readonly entries: number;
}

interface RawRow {
  readonly fileID: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: number;
  readonly file: Buffer | null;
  readonly size: number | null;
  readonly mode: number | null;
}

/** `%`, `_` and `\` match themselves in a LIKE pattern written with ESCAPE '\'. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** The smallest string greater than every string starting with `prefix`: a range scan's upper end. */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

export class BackupIndex {
  private readonly columns: string;
  private readonly what: string;

  private constructor(
    private readonly db: Database.Database,
    readonly format: 'manifest-db' | 'manifest-mbdb',
  ) {
    // Manifest.db has no size/mode columns (they are inside the MBFile blob); the mbdb table has.
    this.what = format === 'manifest-db' ? MANIFEST_DB : "The backup's Manifest.mbdb";
    this.columns = format === 'manifest-db' ? 'fileID, domain, relativePath, flags, file, NULL AS size, NULL AS mode' : 'fileID, domain, relativePath, flags, file, size, mode';
  }

  /** Opens `<folder>/Manifest.db` (or Manifest.mbdb); an encrypted Manifest.db needs `keys`. */
  static open(folder: string, keys: BackupKeys | undefined): BackupIndex {
    if (fs.existsSync(path.join(folder, 'Manifest.db'))) {
      const opened = openManifestDb(folder, keys);
      if (opened.kind === 'encrypted') {
        throw new BackupError('password-required', 'This backup is encrypted: enter its password to open it.');
      }
      return new BackupIndex(opened.db, 'manifest-db');
    }
    const mbdbPath = path.join(folder, 'Manifest.mbdb');
    if (fs.existsSync(mbdbPath)) {
      let bytes: Buffer;
      try {
        bytes = readRegularFileSync(mbdbPath);
      } catch (error) {
        throw new BackupError('corrupt', `The backup's Manifest.mbdb cannot be read (${(error as Error).message}).`, { cause: error });
      }
      return BackupIndex.fromMbdb(bytes);
    }
    throw new BackupError('not-found', `${folder} holds no Manifest.db or Manifest.mbdb, so it is not a backup Lifeboat can open.`);
  }

  /** The mbdb rows in an in-memory table shaped (and indexed) like Manifest.db's Files (§5.6). */
  private static fromMbdb(bytes: Buffer): BackupIndex {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE Files (fileID TEXT, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB, size INTEGER, mode INTEGER)');
    const insert = db.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, NULL, ?, ?)');
    const flagsOf: Record<ManifestEntryKind, number> = { file: 1, directory: 2, symlink: 4, other: 0 };
    db.transaction(() => {
      for (const row of mbdbRows(bytes)) insert.run(row.fileId, row.domain, row.relativePath, flagsOf[row.kind], row.size, row.kind === 'directory' ? 0o40755 : 0o100644);
    })();
    db.exec('CREATE INDEX FilesDomainIdx ON Files(domain); CREATE INDEX FilesRelativePathIdx ON Files(relativePath)');
    return new BackupIndex(db, 'manifest-mbdb');
  }

  close(): void {
    this.db.close();
  }

  /** A query on the file list: a damaged page of the backup's Manifest.db may surface in any (BackupError `corrupt`). */
  private read<T>(query: () => T): T {
    return readingUntrusted(this.what, query);
  }

  count(): number {
    return this.read(() => (this.db.prepare('SELECT count(*) AS n FROM Files').get() as { n: number }).n);
  }

  domains(): DomainCount[] {
    const rows = this.read(() => this.db.prepare('SELECT domain, count(*) AS n FROM Files GROUP BY domain ORDER BY domain').all() as Array<{ domain: string; n: number }>);
    return rows.map((row) => ({ domain: row.domain, entries: row.n }));
  }

  entry(domain: string, relativePath: string): IndexedEntry | undefined {
    const raw = this.read(() => this.db.prepare(`SELECT ${this.columns} FROM Files WHERE relativePath = ? AND domain = ? LIMIT 1`).get(relativePath, domain) as RawRow | undefined);
    return raw && this.describe(raw);
  }

  /** The row with this fileID (§5.2), if any. */
  entryById(fileId: string): IndexedEntry | undefined {
    const raw = this.read(() => this.db.prepare(`SELECT ${this.columns} FROM Files WHERE fileID = ? LIMIT 1`).get(fileId) as RawRow | undefined);
    return raw && this.describe(raw);
  }

  /**
   * Entries directly inside `directory` of `domain` ('' = the domain's top), with folders only
   * implied by deeper paths, in name order: one page of them and how many there are. SQLite
   * groups the subtree's paths by their next component, so no row outside the page is decoded
   * or handed to JavaScript, and a folder of 100,000 files costs what its page costs.
   */
  childrenPage(domain: string, directory: string, page: { readonly offset?: number; readonly limit?: number } = {}): EntryPage {
    const prefix = directory === '' ? '' : `${directory}/`;
    // With a folder, the path index narrows the scan to its subtree (`+domain` keeps SQLite from
    // preferring the domain index, which would walk the whole domain); at a domain's top the
    // domain index does.
    const where = prefix === '' ? 'domain = @domain' : '+domain = @domain AND relativePath >= @prefix AND relativePath < @end';
    const rest = 'substr(relativePath, length(@prefix) + 1)';
    const names = `SELECT rowid AS id, CASE WHEN instr(${rest}, '/') = 0 THEN ${rest} ELSE substr(${rest}, 1, instr(${rest}, '/') - 1) END AS name,
      instr(${rest}, '/') = 0 AS direct FROM Files WHERE ${where}`;
    const grouped = `SELECT name, min(CASE WHEN direct THEN id END) AS id FROM (${names}) WHERE name != '' GROUP BY name`;
    const bindings = { domain, prefix, ...(prefix === '' ? {} : { end: prefixEnd(prefix) }) };
    const rows = this.read(() => this.db
      .prepare(`${grouped} ORDER BY name LIMIT @limit OFFSET @offset`)
      .all({ ...bindings, limit: page.limit ?? -1, offset: page.offset ?? 0 }) as Array<{ name: string; id: number | null }>);
    const byRowid = this.read(() => this.db.prepare(`SELECT ${this.columns} FROM Files WHERE rowid = ?`));
    // Backups list folders as rows, but a partial or hand-made one may not: imply them.
    const entries = rows.map((row) => (row.id === null ? impliedDirectory(domain, `${prefix}${row.name}`) : this.describe(this.read(() => byRowid.get(row.id) as RawRow))));
    const total = page.offset === undefined && page.limit === undefined
      ? entries.length
      : this.read(() => (this.db.prepare(`SELECT count(*) AS n FROM (${grouped})`).get(bindings) as { n: number }).n);
    return { entries, total };
  }

  /** Every entry directly inside `directory` of `domain` (the CLI lists a folder whole). */
  children(domain: string, directory: string): IndexedEntry[] {
    return this.childrenPage(domain, directory).entries;
  }

  /** Every entry at or below `relativePath` in `domain` ('' = the whole domain), in path order. */
  *under(domain: string, relativePath: string): Generator<IndexedEntry> {
    const statement = (): IterableIterator<RawRow> =>
      (relativePath === ''
        ? this.db.prepare(`SELECT ${this.columns} FROM Files WHERE domain = ? ORDER BY relativePath`).bind(domain)
        : this.db
            .prepare(`SELECT ${this.columns} FROM Files WHERE (relativePath = ? OR (relativePath >= ? AND relativePath < ?)) AND domain = ? ORDER BY relativePath`)
            .bind(relativePath, `${relativePath}/`, prefixEnd(`${relativePath}/`), domain)
      ).iterate() as IterableIterator<RawRow>;
    for (const raw of iterateUntrusted(this.what, statement)) yield this.describe(raw);
  }

  /**
   * Entries whose relativePath (or domain) contains `text`, case-insensitive for ASCII: the first
   * `limit` hits SQLite finds, in path order, and whether there are more. The LIKE runs over the path and
   * domain indexes (§5.6 FilesRelativePathIdx, FilesDomainIdx), which are far smaller than the
   * table with its file records, and stops one hit past the limit instead of counting them all.
   */
  searchPage(text: string, options: { readonly limit?: number; readonly domain?: string } = {}): SearchPage {
    const pattern = `%${escapeLike(text)}%`;
    const limit = options.limit ?? 1000;
    const inDomain = options.domain === undefined ? '' : 'AND domain = @domain';
    const byPath = `SELECT rowid FROM Files WHERE relativePath LIKE @pattern ESCAPE '\\' ${inDomain}`;
    const byDomain = options.domain === undefined ? ` UNION SELECT rowid FROM Files WHERE domain LIKE @pattern ESCAPE '\\'` : '';
    const rows = this.read(() => this.db
      .prepare(`SELECT ${this.columns} FROM Files WHERE rowid IN (SELECT rowid FROM (${byPath}${byDomain}) LIMIT @limit) ORDER BY domain, relativePath`)
      .all({ pattern, limit: limit + 1, ...(options.domain === undefined ? {} : { domain: options.domain }) }) as RawRow[]);
    const more = rows.length > limit;
    // The one row past the limit only says there are more; which one it is depends on the scan.
    const shown = more ? rows.filter((_, index) => index !== rows.length - 1) : rows;
    return { entries: shown.map((raw) => this.describe(raw)), more };
  }

  /** The first `limit` hits of searchPage, without the "more". */
  search(text: string, options: { readonly limit?: number; readonly domain?: string } = {}): IndexedEntry[] {
    return this.searchPage(text, options).entries;
  }

  /** Every entry, in storage order (for totals and completeness checks). */
  *all(): Generator<IndexedEntry> {
    for (const raw of iterateUntrusted(this.what, () => this.db.prepare(`SELECT ${this.columns} FROM Files`).iterate() as IterableIterator<RawRow>)) yield this.describe(raw);
  }

  /**
   * The files of the list and their sizes, in storage order: what a restore needs (restore-source.ts),
   * read without the paths or the rest of each record (mbFileKindAndSize).
   */
  *fileSizes(): Generator<{ readonly fileId: string; readonly size: number }> {
    if (this.format !== 'manifest-db') {
      for (const entry of this.all()) if (entry.kind === 'file') yield { fileId: entry.fileId, size: entry.size };
      return;
    }
    const rows = (): IterableIterator<Pick<RawRow, 'fileID' | 'flags' | 'file'>> => this.db.prepare('SELECT fileID, flags, file FROM Files').iterate() as IterableIterator<Pick<RawRow, 'fileID' | 'flags' | 'file'>>;
    for (const raw of iterateUntrusted(this.what, rows)) {
      const flags = Number(raw.flags);
      const record = raw.file && raw.file.length > 0 ? mbFileKindAndSize(raw.file, flags) : undefined;
      if ((record?.kind ?? manifestEntryKind(flags, 0)) === 'file') yield { fileId: String(raw.fileID), size: record?.size ?? 0 };
    }
  }

  private describe(raw: RawRow): IndexedEntry {
    const fileId = String(raw.fileID);
    if (this.format === 'manifest-mbdb') {
      const kind = manifestEntryKind(Number(raw.flags), Number(raw.mode ?? 0));
      return {
        fileId, domain: raw.domain, relativePath: raw.relativePath, kind, size: Number(raw.size ?? 0), mode: Number(raw.mode ?? 0),
        lastModified: undefined, linkTarget: undefined, encryptionKey: undefined, contentPath: kind === 'file' ? contentPathOf('manifest-mbdb', fileId) : undefined,
      };
    }
    const record = raw.file && raw.file.length > 0 ? decodeMbFile(raw.file, Number(raw.flags)) : undefined;
    const kind = record?.kind ?? manifestEntryKind(Number(raw.flags), 0);
    return {
      fileId,
      domain: String(raw.domain),
      relativePath: String(raw.relativePath),
      kind,
      size: kind === 'file' ? (record?.size ?? 0) : 0,
      mode: record?.mode ?? 0,
      lastModified: record?.lastModified,
      linkTarget: record?.target,
      encryptionKey: kind === 'file' ? record?.encryptionKey : undefined,
      contentPath: kind === 'file' ? contentPathOf('manifest-db', fileId) : undefined,
    };
  }
}

function impliedDirectory(domain: string, relativePath: string): IndexedEntry {
  return {
    fileId: '', domain, relativePath, kind: 'directory', size: 0, mode: 0o40755,
    lastModified: undefined, linkTarget: undefined, encryptionKey: undefined, contentPath: undefined,
  };
}
