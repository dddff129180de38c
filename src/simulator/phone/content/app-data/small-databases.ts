import { SeededRandom } from '../../seeded-random';
import { appleSeconds, coreDataTables, sqliteImage } from './sqlite-image';

/**
 * The phone's other SQLite files: a file named `.db`/`.sqlite`/`.sqlitedb` holds a valid database,
 * never random bytes, because backup readers open every database they find (protocol-notes.md
 * "App data"). Safari bookmarks and Voice Memos carry rows; the rest are valid but nearly empty.
 */

/** HomeDomain `Library/Safari/Bookmarks.db`: what iLEAPP's safariBookmarks.py reads (`bookmarks`). */
export function buildSafariBookmarksDatabase(seed: number): Buffer {
  return sqliteImage(`safari-bookmarks|${seed}`, (db) => {
    db.exec(`CREATE TABLE bookmarks (id INTEGER PRIMARY KEY AUTOINCREMENT, special_id INTEGER DEFAULT 0, parent INTEGER, type INTEGER, title TEXT,
      url TEXT COLLATE NOCASE, num_children INTEGER DEFAULT 0, editable INTEGER DEFAULT 1, deletable INTEGER DEFAULT 1, hidden INTEGER DEFAULT 0,
      hidden_ancestor_count INTEGER DEFAULT 0, order_index INTEGER NOT NULL, external_uuid TEXT, read INTEGER DEFAULT NULL,
      last_modified REAL DEFAULT NULL, server_id TEXT, sync_key TEXT, added INTEGER DEFAULT 1, deleted INTEGER DEFAULT 0,
      extra_attributes BLOB DEFAULT NULL, local_attributes BLOB DEFAULT NULL, fetched_icon BOOL DEFAULT 0, icon BLOB DEFAULT NULL,
      dav_generation INTEGER DEFAULT 0, locally_added BOOL DEFAULT 0, archive_status INTEGER DEFAULT 0, syncable BOOL DEFAULT 1,
      web_filter_status INTEGER DEFAULT 0, modified_attributes UNSIGNED BIG INT DEFAULT 0);`);
    const random = new SeededRandom(seed, 'safari-bookmarks');
    const add = db.prepare('INSERT INTO bookmarks (special_id, parent, type, title, url, num_children, order_index, external_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    // Type 1 is a folder, 0 a bookmark; the root, Favorites and the reading list are folders.
    add.run(0, null, 1, 'Root', null, 2, 0, 'Root');
    add.run(1, 1, 1, 'BookmarksBar', null, 3, 0, random.uuid());
    add.run(0, 1, 1, 'com.apple.ReadingList', null, 0, 1, 'com.apple.ReadingList');
    const favourites: ReadonlyArray<readonly [string, string]> = [['Apple', 'https://www.apple.com/'], ['Wikipedia', 'https://www.wikipedia.org/'], ['OpenStreetMap', 'https://www.openstreetmap.org/']];
    for (const [index, [title, url]] of favourites.entries()) add.run(0, 2, 0, title, url, 0, index, random.uuid());
  });
}

/** HomeDomain `Library/AddressBook/AddressBookImages.sqlitedb`: the contact photo tables, without photos. */
export function buildContactImagesDatabase(): Buffer {
  return sqliteImage('addressbook-images', (db) => {
    db.exec(`CREATE TABLE ABFullSizeImage (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER, crop_x INTEGER, crop_y INTEGER,
        crop_width INTEGER, crop_height INTEGER, data BLOB, UNIQUE(record_id));
      CREATE TABLE ABThumbnailImage (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER, format INTEGER, derived_from_format INTEGER,
        data BLOB, UNIQUE(record_id, format));`);
  });
}

/** A voice memo as MediaDomain `Media/Recordings/` holds it. */
export interface Recording {
  readonly fileName: string;
  readonly recordedAt: number; // Unix seconds
  readonly size: number;
}

/** MediaDomain `Media/Recordings/CloudRecordings.db` (Core Data; iLEAPP's voiceMemos.py reads ZCLOUDRECORDING). */
export function buildVoiceMemosDatabase(seed: number, recordings: readonly Recording[]): Buffer {
  return sqliteImage(`voice-memos|${seed}|${recordings.map((recording) => `${recording.fileName}:${recording.size}`).join(',')}`, (db) => {
    db.exec(`CREATE TABLE ZCLOUDRECORDING (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZFLAGS INTEGER, ZDATE TIMESTAMP,
      ZDURATION FLOAT, ZEVICTIONDATE TIMESTAMP, ZCUSTOMLABEL VARCHAR, ZCUSTOMLABELFORSORTING VARCHAR, ZENCRYPTEDTITLE VARCHAR, ZPATH VARCHAR,
      ZUNIQUEID VARCHAR, ZAUDIODIGEST BLOB, ZAUDIOFUTURE BLOB);`);
    const random = new SeededRandom(seed, 'voice-memos');
    const add = db.prepare(`INSERT INTO ZCLOUDRECORDING (Z_PK, Z_ENT, Z_OPT, ZFLAGS, ZDATE, ZDURATION, ZCUSTOMLABEL, ZCUSTOMLABELFORSORTING,
      ZENCRYPTEDTITLE, ZPATH, ZUNIQUEID) VALUES (?, 1, 1, 0, ?, ?, ?, ?, ?, ?, ?)`);
    for (const [index, recording] of recordings.entries()) {
      const label = `New Recording ${index + 1}`;
      // AAC voice memos are about 16 kB per second.
      add.run(index + 1, appleSeconds(recording.recordedAt), recording.size / 16_000, label, label, label, recording.fileName, random.uuid());
    }
    coreDataTables(db, [{ name: 'CloudRecording', max: recordings.length }], 'CloudRecordings');
  });
}

/**
 * A valid database whose contents nobody reads (an app's private store, system caches): SQLite's
 * own header and schema, a `_SqliteDatabaseProperties` table like Apple's stores, and the name it is for.
 */
export function buildPlaceholderDatabase(name: string): Buffer {
  return sqliteImage(`placeholder|${name}`, (db) => {
    db.exec('CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));');
    db.prepare("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('_ClientVersion', '1'), ('name', ?)").run(name);
  });
}
