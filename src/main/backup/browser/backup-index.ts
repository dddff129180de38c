import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../backup-error';
import { mbdbRows } from '../catalog/manifest-mbdb';
import { openManifestDb } from '../catalog/manifest-source';
import { entryKindOf, type EntryKind } from '../catalog/mbfile-fields';
import type { BackupKeys } from '../crypto';
import { decodeMbFileRecord } from './mbfile-record';

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
  readonly kind: EntryKind;
  /** Plaintext bytes (0 for directories and links). */
  readonly size: number;
  readonly mode: number;
  /** Unix seconds of the last modification, when the backup records it. */
  readonly lastModified: number | undefined;
  readonly linkTarget: string | undefined;
  readonly encryptionKey: Buffer | undefined;
  /** Where the content file sits inside the backup folder (`/`-separated); regular files only. */
  readonly contentPath: string | undefined;
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

const COLUMNS = 'fileID, domain, relativePath, flags, file, size, mode';

/** `%`, `_` and `\` match themselves in a LIKE pattern written with ESCAPE '\'. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export class BackupIndex {
  private constructor(
    private readonly db: Database.Database,
    readonly format: 'manifest-db' | 'manifest-mbdb',
  ) {}

  /** Opens `<folder>/Manifest.db` (or Manifest.mbdb); an encrypted Manifest.db needs `keys`. */
  static open(folder: string, keys: BackupKeys | undefined): BackupIndex {
    if (fs.existsSync(path.join(folder, 'Manifest.db'))) {
      const opened = openManifestDb(folder, keys);
      if (opened.kind === 'encrypted') {
        throw new BackupError('password-required', 'This backup is encrypted: enter its password to open it.');
      }
      // A view adds the size/mode columns the mbdb table has, so both formats answer one query shape.
      const copy = new Database(opened.db.serialize());
      opened.db.close();
      copy.exec('CREATE TEMP VIEW Entries AS SELECT fileID, domain, relativePath, flags, file, NULL AS size, NULL AS mode FROM Files');
      return new BackupIndex(copy, 'manifest-db');
    }
    const mbdbPath = path.join(folder, 'Manifest.mbdb');
    if (fs.existsSync(mbdbPath)) return BackupIndex.fromMbdb(fs.readFileSync(mbdbPath));
    throw new BackupError('not-found', `${folder} holds no Manifest.db or Manifest.mbdb, so it is not a backup Lifeboat can open.`);
  }

  private static fromMbdb(bytes: Buffer): BackupIndex {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE Entries (fileID TEXT, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB, size INTEGER, mode INTEGER)');
    db.exec('CREATE INDEX EntriesDomainPath ON Entries(domain, relativePath)');
    const insert = db.prepare('INSERT INTO Entries VALUES (?, ?, ?, ?, NULL, ?, ?)');
    const flagsOf: Record<EntryKind, number> = { file: 1, directory: 2, symlink: 4, other: 0 };
    db.transaction(() => {
      for (const row of mbdbRows(bytes)) insert.run(row.fileId, row.domain, row.relativePath, flagsOf[row.kind], row.size, row.kind === 'directory' ? 0o40755 : 0o100644);
    })();
    return new BackupIndex(db, 'manifest-mbdb');
  }

  close(): void {
    this.db.close();
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM Entries').get() as { n: number }).n;
  }

  domains(): DomainCount[] {
    const rows = this.db.prepare('SELECT domain, count(*) AS n FROM Entries GROUP BY domain ORDER BY domain').all() as Array<{ domain: string; n: number }>;
    return rows.map((row) => ({ domain: row.domain, entries: row.n }));
  }

  entry(domain: string, relativePath: string): IndexedEntry | undefined {
    const raw = this.db.prepare(`SELECT ${COLUMNS} FROM Entries WHERE domain = ? AND relativePath = ? LIMIT 1`).get(domain, relativePath) as RawRow | undefined;
    return raw && this.describe(raw);
  }

  /** Entries directly inside `directory` of `domain` ('' = the domain's root), with folders only implied by deeper paths. */
  children(domain: string, directory: string): IndexedEntry[] {
    const prefix = directory === '' ? '' : `${directory}/`;
    const like = `${escapeLike(prefix)}%`;
    const direct = this.db
      .prepare(`SELECT ${COLUMNS} FROM Entries WHERE domain = ? AND relativePath LIKE ? ESCAPE '\\' AND relativePath != ? AND substr(relativePath, ?) NOT LIKE '%/%' ORDER BY relativePath`)
      .all(domain, like, directory, prefix.length + 1) as RawRow[];
    const entries = direct.map((raw) => this.describe(raw));
    const seen = new Set(entries.map((entry) => entry.relativePath));
    // Backups list directories as rows, but a partial or hand-made one may not: imply them.
    const deeper = this.db
      .prepare(`SELECT DISTINCT substr(relativePath, 1, ? + instr(substr(relativePath, ? + 1), '/') - 1) AS child FROM Entries WHERE domain = ? AND relativePath LIKE ? ESCAPE '\\' AND substr(relativePath, ? + 1) LIKE '%/%'`)
      .all(prefix.length, prefix.length, domain, like, prefix.length) as Array<{ child: string }>;
    for (const { child } of deeper) {
      if (seen.has(child)) continue;
      seen.add(child);
      entries.push(impliedDirectory(domain, child));
    }
    return entries.sort((a, b) => a.relativePath.localeCompare(b.relativePath));
  }

  /** Every entry at or below `relativePath` in `domain` ('' = the whole domain), in path order. */
  *under(domain: string, relativePath: string): Generator<IndexedEntry> {
    const statement = relativePath === ''
      ? this.db.prepare(`SELECT ${COLUMNS} FROM Entries WHERE domain = ? ORDER BY relativePath`).bind(domain)
      : this.db.prepare(`SELECT ${COLUMNS} FROM Entries WHERE domain = ? AND (relativePath = ? OR relativePath LIKE ? ESCAPE '\\') ORDER BY relativePath`).bind(domain, relativePath, `${escapeLike(relativePath)}/%`);
    for (const raw of statement.iterate() as IterableIterator<RawRow>) yield this.describe(raw);
  }

  /** Entries whose `domain/relativePath` contains `text` (case-insensitive for ASCII), at most `limit`. */
  search(text: string, options: { readonly limit?: number; readonly domain?: string } = {}): IndexedEntry[] {
    const pattern = `%${escapeLike(text)}%`;
    const limit = options.limit ?? 1000;
    const rows = options.domain === undefined
      ? (this.db.prepare(`SELECT ${COLUMNS} FROM Entries WHERE relativePath LIKE @pattern ESCAPE '\\' OR domain LIKE @pattern ESCAPE '\\' ORDER BY domain, relativePath LIMIT @limit`).all({ pattern, limit }) as RawRow[])
      : (this.db.prepare(`SELECT ${COLUMNS} FROM Entries WHERE domain = @domain AND relativePath LIKE @pattern ESCAPE '\\' ORDER BY relativePath LIMIT @limit`).all({ pattern, limit, domain: options.domain }) as RawRow[]);
    return rows.map((raw) => this.describe(raw));
  }

  /** Every entry, in storage order (for totals and completeness checks). */
  *all(): Generator<IndexedEntry> {
    for (const raw of this.db.prepare(`SELECT ${COLUMNS} FROM Entries`).iterate() as IterableIterator<RawRow>) yield this.describe(raw);
  }

  private describe(raw: RawRow): IndexedEntry {
    const fileId = String(raw.fileID);
    if (this.format === 'manifest-mbdb') {
      const kind = entryKindOf(Number(raw.flags), Number(raw.mode ?? 0));
      return {
        fileId, domain: raw.domain, relativePath: raw.relativePath, kind, size: Number(raw.size ?? 0), mode: Number(raw.mode ?? 0),
        lastModified: undefined, linkTarget: undefined, encryptionKey: undefined, contentPath: kind === 'file' ? fileId : undefined,
      };
    }
    const record = raw.file && raw.file.length > 0 ? decodeMbFileRecord(raw.file) : undefined;
    const kind = entryKindOf(Number(raw.flags), record?.mode ?? 0);
    return {
      fileId,
      domain: String(raw.domain),
      relativePath: String(raw.relativePath),
      kind,
      size: kind === 'file' ? (record?.size ?? 0) : 0,
      mode: record?.mode ?? 0,
      lastModified: record?.lastModified,
      linkTarget: record?.linkTarget,
      encryptionKey: kind === 'file' ? record?.encryptionKey : undefined,
      contentPath: kind === 'file' ? `${fileId.slice(0, 2)}/${fileId}` : undefined,
    };
  }
}

function impliedDirectory(domain: string, relativePath: string): IndexedEntry {
  return {
    fileId: '', domain, relativePath, kind: 'directory', size: 0, mode: 0o40755,
    lastModified: undefined, linkTarget: undefined, encryptionKey: undefined, contentPath: undefined,
  };
}
