import Database from 'better-sqlite3';
import { SeededRandom } from '../seeded-random';

/**
 * The phone's real SQLite databases (protocol.md §5.8: sms.db, AddressBook.sqlitedb,
 * Photos.sqlite, notes), built in memory and serialised, so tools that open them find tables.
 */
const APPLE_EPOCH = 978_307_200;

function serialize(build: (db: Database.Database) => void): Buffer {
  const db = new Database(':memory:');
  try {
    build(db);
    return db.serialize();
  } finally {
    db.close();
  }
}

const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'Dara', 'Eli', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Pia'];
const LAST_NAMES = ['Ng', 'Silva', 'Kowalski', 'Haddad', 'Okafor', 'Berg', 'Tanaka', 'Rossi', 'Novak', 'Moreau'];
const PHRASES = ['on my way', 'see you at 7', 'thanks!', 'did you get the photos?', 'call me later', 'happy birthday 🎉', 'running late', 'ok'];

export function buildAddressBook(seed: number, contacts: number): Buffer {
  const random = new SeededRandom(seed, 'addressbook');
  return serialize((db) => {
    db.exec(`CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Organization TEXT, CreationDate INTEGER, ModificationDate INTEGER);
      CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT);`);
    const person = db.prepare('INSERT INTO ABPerson (First, Last, Organization, CreationDate, ModificationDate) VALUES (?, ?, ?, ?, ?)');
    const value = db.prepare('INSERT INTO ABMultiValue (record_id, property, identifier, label, value) VALUES (?, 3, 0, 1, ?)');
    for (let i = 0; i < contacts; i++) {
      const created = random.int(400_000_000, 780_000_000);
      const id = person.run(random.pick(FIRST_NAMES), random.pick(LAST_NAMES), random.chance(0.2) ? 'ACME' : null, created, created + random.int(0, 9_000_000)).lastInsertRowid;
      value.run(id, `+1555${String(random.int(0, 9_999_999)).padStart(7, '0')}`);
    }
  });
}

export function buildSmsDatabase(seed: number, messages: number, contacts: number): Buffer {
  const random = new SeededRandom(seed, 'sms');
  return serialize((db) => {
    db.exec(`CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, service TEXT);
      CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT, chat_identifier TEXT, service_name TEXT);
      CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE, text TEXT, handle_id INTEGER, date INTEGER, is_from_me INTEGER, service TEXT);
      CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, PRIMARY KEY (chat_id, message_id));`);
    const handles = Math.max(1, Math.min(contacts, 60));
    const addHandle = db.prepare('INSERT INTO handle (id, service) VALUES (?, ?)');
    const addChat = db.prepare('INSERT INTO chat (guid, chat_identifier, service_name) VALUES (?, ?, ?)');
    for (let h = 1; h <= handles; h++) {
      const id = `+1555${String(random.int(0, 9_999_999)).padStart(7, '0')}`;
      addHandle.run(id, 'iMessage');
      addChat.run(`iMessage;-;${id}`, id, 'iMessage');
    }
    const addMessage = db.prepare('INSERT INTO message (guid, text, handle_id, date, is_from_me, service) VALUES (?, ?, ?, ?, ?, ?)');
    const join = db.prepare('INSERT INTO chat_message_join (chat_id, message_id) VALUES (?, ?)');
    db.transaction(() => {
      let date = 600_000_000;
      for (let i = 0; i < messages; i++) {
        date += random.int(10, 40_000);
        const handle = random.int(1, handles);
        const id = addMessage.run(random.uuid(), random.pick(PHRASES), handle, date * 1_000_000_000, random.int(0, 1), 'iMessage').lastInsertRowid;
        join.run(handle, id);
      }
    })();
  });
}

export function buildNotesDatabase(seed: number, notes: number): Buffer {
  const random = new SeededRandom(seed, 'notes');
  return serialize((db) => {
    db.exec('CREATE TABLE ZNOTE (Z_PK INTEGER PRIMARY KEY, ZTITLE TEXT, ZSUMMARY TEXT, ZCREATIONDATE REAL, ZMODIFICATIONDATE REAL)');
    const add = db.prepare('INSERT INTO ZNOTE (ZTITLE, ZSUMMARY, ZCREATIONDATE, ZMODIFICATIONDATE) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < notes; i++) {
      const created = random.int(500_000_000, 780_000_000);
      add.run(`Note ${i + 1}`, random.pick(PHRASES), created, created + random.int(0, 5_000_000));
    }
  });
}

/** One Camera Roll asset as Photos.sqlite lists it. */
export interface PhotoAsset {
  readonly directory: string; // e.g. DCIM/100APPLE
  readonly filename: string;
  readonly takenAt: number; // Unix seconds
  readonly kind: 0 | 1; // 0 photo, 1 video
  readonly width: number;
  readonly height: number;
  readonly uuid: string;
}

export function buildPhotosDatabase(assets: readonly PhotoAsset[]): Buffer {
  return serialize((db) => {
    db.exec(`CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZUUID TEXT, ZDIRECTORY TEXT, ZFILENAME TEXT, ZKIND INTEGER, ZWIDTH INTEGER, ZHEIGHT INTEGER, ZDATECREATED TIMESTAMP, ZTRASHEDSTATE INTEGER DEFAULT 0);
      CREATE INDEX ZASSET_ZDIRECTORY_ZFILENAME ON ZASSET (ZDIRECTORY, ZFILENAME);
      CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME TEXT, Z_SUPER INTEGER, Z_MAX INTEGER);`);
    const add = db.prepare('INSERT INTO ZASSET (ZUUID, ZDIRECTORY, ZFILENAME, ZKIND, ZWIDTH, ZHEIGHT, ZDATECREATED) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const asset of assets) {
        add.run(asset.uuid, asset.directory, asset.filename, asset.kind, asset.width, asset.height, asset.takenAt - APPLE_EPOCH);
      }
    })();
    db.prepare('INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (1, ?, 0, ?)').run('Asset', assets.length);
  });
}
