import Database from 'better-sqlite3';
import { BackupError } from '../backup/backup-error';
import { distrustSchema } from '../backup/store/untrusted-sqlite';

/**
 * Opens an app's database out of a backup (sms.db, AddressBook.sqlitedb, CallHistory.storedata,
 * NoteStore.sqlite, Photos.sqlite, History.db, voicemail.db): untrusted input like Manifest.db
 * (store/untrusted-sqlite.ts), read in memory and read-only, with schema trust off. These files
 * legitimately hold what a Manifest.db never does (AddressBook's FTS4 virtual table, triggers,
 * views), so instead of refusing the whole file, every table Lifeboat reads must be a plain table
 * without computed columns: a hostile file that makes `message` a view over an endless recursion,
 * or a virtual table, is refused with a sentence before the first query. Triggers and defaults run
 * only on writes, which a read-only connection never makes.
 */

/** A table Lifeboat reads and the columns it needs; `optional` ones are used when present. */
export interface TableNeed {
  readonly table: string;
  readonly columns: readonly string[];
  readonly optional?: readonly string[];
}

export interface AppDatabase {
  readonly db: Database.Database;
  /** The person's name for the file, for sentences ("Messages' database"). */
  readonly what: string;
  /** Whether `table` (one of the needs, or an optional table) has `column`. */
  has(table: string, column: string): boolean;
  /** Whether an optional table is there and plain. */
  hasTable(table: string): boolean;
  /** A query's rows, SQLite's errors (a damaged page met mid-read) as BackupError `corrupt` with a sentence. */
  all<T>(sql: string, ...params: unknown[]): T[];
  get<T>(sql: string, ...params: unknown[]): T | undefined;
  /**
   * Keeps `select`'s rows, in its order, in a TEMP table whose `position` (1, 2, 3…, the rowid) is
   * the row's place in the list, and returns the table's name; made once per name. A page is then a
   * `position` range, so it reads exactly its own rows however long the list (a sort or a summary
   * over 100,000 messages runs once per open backup, not once per screenful). The file itself
   * stays read-only: SQLite keeps TEMP tables apart from it. `indexed` columns get an index.
   */
  materialize(name: string, columns: readonly string[], select: string, indexed?: readonly string[]): string;
  close(): void;
}

/** The SQLite header's read/write version bytes: 2 means WAL, which an in-memory copy cannot use. */
const WAL_VERSION_OFFSETS = [18, 19] as const;

/**
 * Runs a query: a damaged file is found only when a query reaches its bad page, which may be any
 * query, so each one turns SQLite's error into a sentence about this section alone (Manifest.db's
 * own wording, in store/untrusted-sqlite.ts, would call the whole backup unusable).
 */
function reading<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('corrupt', `${what} in this backup is damaged and cannot be read (SQLite says: ${(error as Error).message}); the rest of the backup can still be browsed.`, { cause: error });
  }
}

function refused(what: string, why: string): BackupError {
  return new BackupError('corrupt', `${what} in this backup cannot be read because ${why}; the rest of the backup can still be browsed.`);
}

/**
 * Opens `bytes` (the whole decrypted file) and checks `needs`; `optionalTables` are checked the same
 * way when present. Throws BackupError `corrupt` with a sentence naming `what`.
 */
export function openAppDatabase(bytes: Buffer, what: string, needs: readonly TableNeed[], optionalTables: readonly TableNeed[] = []): AppDatabase {
  // A database from a phone is often in WAL mode; SQLite refuses WAL in memory, and every page
  // that matters is in the main file once the phone checkpointed it for the backup.
  const image = Buffer.from(bytes);
  for (const offset of WAL_VERSION_OFFSETS) if (image[offset] === 2) image[offset] = 1;
  let db: Database.Database;
  try {
    db = new Database(image, { readonly: true });
  } catch (error) {
    throw refused(what, `it is not a database SQLite can open (${(error as Error).message})`);
  }
  const columns = new Map<string, Set<string>>();
  try {
    distrustSchema(db, what);
    const schema = reading(what, () => db.prepare("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view')").all() as Array<{ type: string; name: string; sql: string | null }>);
    const check = (need: TableNeed, required: boolean): void => {
      const row = schema.find((candidate) => candidate.name.toLowerCase() === need.table.toLowerCase());
      if (!row) {
        if (required) throw refused(what, `it has no ${need.table} table`);
        return;
      }
      if (row.type !== 'table') throw refused(what, `its ${need.table} is a ${row.type}, not a table`);
      if (/^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(row.sql ?? '')) throw refused(what, `its ${need.table} is a virtual table`);
      const found = reading(what, () => db.prepare('SELECT name, hidden FROM pragma_table_xinfo(?)').all(row.name) as Array<{ name: string; hidden: number }>);
      // table_xinfo's `hidden` is 2 or 3 for a generated column, computed as it is read.
      if (found.some((column) => column.hidden === 2 || column.hidden === 3)) throw refused(what, `its ${need.table} table has computed columns`);
      const names = new Set(found.map((column) => column.name.toLowerCase()));
      const absent = need.columns.filter((column) => !names.has(column.toLowerCase()));
      if (absent.length > 0) {
        if (required) throw refused(what, `its ${need.table} table has no ${absent.join(', ')} column${absent.length === 1 ? '' : 's'}`);
        return;
      }
      columns.set(need.table.toLowerCase(), names);
    };
    for (const need of needs) check(need, true);
    for (const need of optionalTables) check(need, false);
  } catch (error) {
    db.close();
    if (error instanceof BackupError) throw error;
    throw refused(what, (error as Error).message);
  }
  const materialized = new Set<string>();
  return {
    db,
    what,
    has: (table, column) => columns.get(table.toLowerCase())?.has(column.toLowerCase()) ?? false,
    hasTable: (table) => columns.has(table.toLowerCase()),
    all: <T>(sql: string, ...params: unknown[]) => reading(what, () => db.prepare(sql).all(...params) as T[]),
    get: <T>(sql: string, ...params: unknown[]) => reading(what, () => db.prepare(sql).get(...params) as T | undefined),
    materialize(name, tableColumns, select, indexed = []) {
      const table = `lifeboat_${name}`;
      if (!materialized.has(table)) {
        reading(what, () => {
          db.exec(`CREATE TEMP TABLE ${table} (position INTEGER PRIMARY KEY, ${tableColumns.join(', ')})`);
          db.prepare(`INSERT INTO temp.${table} (${tableColumns.join(', ')}) ${select}`).run();
          for (const column of indexed) db.exec(`CREATE INDEX temp.${table}_${column} ON ${table} (${column})`);
        });
        materialized.add(table);
      }
      return `temp.${table}`;
    },
    close: () => db.close(),
  };
}

/** The number of rows a `materialize`d list holds, read from its last position (no count over the table). */
export function listLength(database: AppDatabase, table: string): number {
  return database.get<{ n: number }>(`SELECT COALESCE(MAX(position), 0) AS n FROM ${table}`)?.n ?? 0;
}

/** Seconds since 2001-01-01 (Core Data, sms.db before iOS 11 and after in nanoseconds) as ISO-8601. */
export function appleDate(value: unknown): string | undefined {
  if (typeof value !== 'number' && typeof value !== 'bigint') return undefined;
  let seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds === 0) return undefined;
  // sms.db keeps nanoseconds since iOS 11; no date in seconds since 2001 reaches 10^11.
  if (Math.abs(seconds) > 1e11) seconds /= 1e9;
  const ms = (seconds + APPLE_EPOCH_OFFSET) * 1000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Seconds between 1970 and Apple's 2001 epoch. */
export const APPLE_EPOCH_OFFSET = 978_307_200;

/** A column value as text (blobs as UTF-8, as CallHistory's ZADDRESS is), bounded. */
export function textOf(value: unknown, maxLength = 100_000): string {
  if (typeof value === 'string') return value.length > maxLength ? value.slice(0, maxLength) : value;
  if (value instanceof Uint8Array) return Buffer.from(value.subarray(0, maxLength)).toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return '';
}

export function numberOf(value: unknown): number {
  const number = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : 0;
  return Number.isFinite(number) ? number : 0;
}
