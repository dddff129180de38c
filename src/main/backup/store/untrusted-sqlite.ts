import Database from 'better-sqlite3';
import { BackupError } from '../backup-error';

/**
 * The one way Lifeboat opens a SQLite database that came out of a backup folder or off a phone
 * (a Manifest.db, its decrypted copy, the phone's own Manifest.db before the Camera Roll rewrite).
 * Such a file carries its own schema, and a schema can run code on a read: a `Files` that is a VIEW
 * over an endless `WITH RECURSIVE` hangs every query (better-sqlite3 is synchronous, so the whole
 * process with it), a trigger runs on our DELETE, a generated column or a virtual table computes
 * values as they are read. A Manifest.db (protocol.md §5.6) is two plain tables with indexes, so
 * anything else is refused before the first query:
 *  - `PRAGMA trusted_schema = OFF`: functions with side effects cannot run from schema objects;
 *  - SQLITE_DBCONFIG_DEFENSIVE: better-sqlite3 12 turns it on for every connection it opens
 *    (database.cpp) and only `db.unsafeMode(true)` would turn it off, which Lifeboat never calls;
 *  - no view, no trigger and no virtual table anywhere in `sqlite_master`;
 *  - `Files` (and `Properties` when present) are plain tables without generated columns.
 * With that, every query Lifeboat runs is its own SQL over stored rows: its cost is bounded by the
 * size of the file. What a bounded but large file still costs is covered by reading backups on a
 * worker thread with a deadline (src/main/reader).
 */

/** The tables a Manifest.db has (§5.6); `Properties` is optional (some writers leave it out). */
const MANIFEST_TABLES = ['Files', 'Properties'] as const;

/** The columns of `Files` every reader selects (§5.6); a table without one is not a file list. */
const FILES_COLUMNS = ['fileID', 'domain', 'relativePath', 'flags', 'file'] as const;

interface SchemaRow {
  readonly type: string;
  readonly name: string;
  readonly sql: string | null;
}

/** A sentence for a database whose schema is refused; `what` names it for the person. */
function refusal(what: string, why: string): BackupError {
  return new BackupError('corrupt', `${what} was not opened because ${why}; a backup's file list never has that, so the backup is damaged or was made to attack this computer.`);
}

/**
 * Refuses a schema that could run anything on a read or a write (see the top of this file).
 * Throws BackupError `corrupt` with a sentence naming `what`.
 */
export function assertPlainManifestSchema(db: Database.Database, what: string): void {
  const schema = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')").all() as SchemaRow[];
  for (const row of schema) {
    if (row.type === 'view') throw refusal(what, `it holds a view (${JSON.stringify(row.name)})`);
    if (row.type === 'trigger') throw refusal(what, `it holds a trigger (${JSON.stringify(row.name)})`);
    if (/^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(row.sql ?? '')) throw refusal(what, `it holds a virtual table (${JSON.stringify(row.name)})`);
  }
  for (const table of MANIFEST_TABLES) {
    const row = schema.find((candidate) => candidate.name.toLowerCase() === table.toLowerCase());
    if (row === undefined) {
      if (table === 'Files') throw refusal(what, 'it has no Files table');
      continue;
    }
    // table_xinfo's `hidden` is 2 or 3 for a generated column, whose value is computed on read.
    const columns = db.prepare(`SELECT name, hidden FROM pragma_table_xinfo(?)`).all(row.name) as Array<{ name: string; hidden: number }>;
    if (columns.some((column) => column.hidden === 2 || column.hidden === 3)) throw refusal(what, `its ${table} table has computed columns`);
    if (table !== 'Files') continue;
    const names = new Set(columns.map((column) => column.name.toLowerCase()));
    const absent = FILES_COLUMNS.filter((column) => !names.has(column.toLowerCase()));
    if (absent.length > 0) throw refusal(what, `its Files table has no ${absent.join(', ')} column${absent.length === 1 ? '' : 's'}`);
  }
}

/**
 * SQLite's own error while reading an untrusted database (damaged pages: "database disk image is
 * malformed", SQLITE_CORRUPT / SQLITE_NOTADB, or anything else it refuses) as the backup layer's
 * error with a sentence. A BackupError passes through unchanged.
 */
function unreadableDatabase(error: unknown, what: string): BackupError {
  if (error instanceof BackupError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new BackupError('corrupt', `${what} is damaged and cannot be read (SQLite says: ${detail}), so the backup's list of files is unusable.`, { cause: error });
}

/**
 * Runs `read` (queries on an untrusted database): a damaged file is found only when a query
 * reaches its bad page, which may be any query, so each one goes through here.
 */
export function readingUntrusted<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw unreadableDatabase(error, what);
  }
}

/** The rows of `rows` (a statement's iterate), with SQLite's errors while stepping as in readingUntrusted. */
export function* iterateUntrusted<T>(what: string, rows: () => Iterator<T>): Generator<T> {
  const iterator = readingUntrusted(what, rows);
  try {
    for (;;) {
      const step = readingUntrusted(what, () => iterator.next());
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // Ends the statement if the caller stopped early, so the connection can be closed.
    iterator.return?.();
  }
}

/**
 * Turns off schema trust on a connection (see the top of this file) and checks that it took.
 * Also for Lifeboat's own writable scratch copies of an untrusted database.
 */
export function distrustSchema(db: Database.Database, what: string): void {
  db.pragma('trusted_schema = OFF');
  if (db.pragma('trusted_schema', { simple: true }) !== 0) throw refusal(what, 'SQLite would not turn schema trust off');
}

/**
 * Opens SQLite from a backup read-only, refusing a schema that is not a plain Manifest.db: `source`
 * is the bytes (opened in memory) or a file (opened in place: the caller has made sure opening it
 * writes nothing beside it, see manifest-db-open.ts). Throws BackupError `corrupt` with a sentence
 * naming `what`.
 */
export function openUntrustedSqlite(source: Buffer | string, what: string): Database.Database {
  let db: Database.Database;
  try {
    db = typeof source === 'string' ? new Database(source, { readonly: true, fileMustExist: true }) : new Database(source, { readonly: true });
  } catch (error) {
    throw new BackupError('corrupt', `${what} cannot be opened as a database (${(error as Error).message}).`, { cause: error });
  }
  try {
    distrustSchema(db, what);
    assertPlainManifestSchema(db, what);
  } catch (error) {
    db.close();
    if (error instanceof BackupError) throw error;
    throw new BackupError('corrupt', `${what} cannot be read as a database (${(error as Error).message}).`, { cause: error });
  }
  return db;
}
