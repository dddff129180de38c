import { SeededRandom } from '../../seeded-random';
import { noteBody } from './note-body';
import { appleSeconds, coreDataTables, sqliteImage } from './sqlite-image';

/**
 * AppDomainGroup-group.com.apple.notes `NoteStore.sqlite` (iOS 9+ Notes; what iLEAPP's notes.py,
 * mvt and apple_cloud_notes_parser read): accounts, folders and notes are rows of
 * ZICCLOUDSYNCINGOBJECT told apart by Z_ENT; each note's body is a gzipped protobuf in ZICNOTEDATA.
 * The account column's name moves between iOS versions (ZACCOUNT2…4), so all three are filled.
 */
export const NOTES_DOMAIN = 'AppDomainGroup-group.com.apple.notes';
export const NOTES_PATH = 'NoteStore.sqlite';

const ENTITIES = [
  { name: 'ICAccount', max: 1 },
  { name: 'ICFolder', max: 1 },
  { name: 'ICNote', max: 0 },
  { name: 'ICNoteData', max: 0 },
];
const ACCOUNT_ENT = 1;
const FOLDER_ENT = 2;
const NOTE_ENT = 3;
const NOTE_DATA_ENT = 4;

const SCHEMA = `
CREATE TABLE ZICCLOUDSYNCINGOBJECT (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZMARKEDFORDELETION INTEGER,
  ZNEEDSINITIALFETCHFROMCLOUD INTEGER, ZACCOUNT2 INTEGER, ZACCOUNT3 INTEGER, ZACCOUNT4 INTEGER, ZFOLDER INTEGER, ZNOTE INTEGER,
  ZNOTEDATA INTEGER, ZATTACHMENT1 INTEGER, ZPARENT INTEGER, ZFOLDERTYPE INTEGER, ZACCOUNTTYPE INTEGER, ZISPASSWORDPROTECTED INTEGER,
  ZISPINNED INTEGER, ZCRYPTOITERATIONCOUNT INTEGER, ZFILESIZE INTEGER, ZCREATIONDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP,
  ZCREATIONDATE1 TIMESTAMP, ZMODIFICATIONDATE1 TIMESTAMP, ZLASTVIEWEDMODIFICATIONDATE TIMESTAMP, ZIDENTIFIER VARCHAR, ZNAME VARCHAR,
  ZTITLE VARCHAR, ZTITLE1 VARCHAR, ZTITLE2 VARCHAR, ZSNIPPET VARCHAR, ZPASSWORDHINT VARCHAR, ZTYPEUTI VARCHAR, ZFILENAME VARCHAR,
  ZSERVERRECORDDATA BLOB);
CREATE TABLE ZICNOTEDATA (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZNOTE INTEGER, ZCRYPTOINITIALIZATIONVECTOR BLOB,
  ZCRYPTOTAG BLOB, ZDATA BLOB);
CREATE INDEX ZICCLOUDSYNCINGOBJECT_ZFOLDER_INDEX ON ZICCLOUDSYNCINGOBJECT (ZFOLDER);
CREATE INDEX ZICNOTEDATA_ZNOTE_INDEX ON ZICNOTEDATA (ZNOTE);
`;

const NOTES: ReadonlyArray<readonly [string, string]> = [
  ['Shopping', 'Milk, eggs, coffee, bread'],
  ['Packing list', 'Passport, charger, sunscreen'],
  ['Ideas', 'A lifeboat for every phone'],
  ['Wi-Fi at the cabin', 'Network: cabin-5G'],
  ['Books to read', 'The Left Hand of Darkness; Piranesi'],
  ['Recipe', 'Pancakes: flour, milk, two eggs'],
];

export function buildNotesDatabase(seed: number, notes: number, from: number): Buffer {
  return sqliteImage(`notestore|${seed}|${notes}|${from}`, (db) => {
    const random = new SeededRandom(seed, 'notestore');
    db.exec(SCHEMA);
    const created = appleSeconds(from);
    db.prepare(`INSERT INTO ZICCLOUDSYNCINGOBJECT (Z_PK, Z_ENT, Z_OPT, ZMARKEDFORDELETION, ZACCOUNTTYPE, ZIDENTIFIER, ZNAME, ZCREATIONDATE)
      VALUES (1, ?, 1, 0, 3, 'LocalAccount', 'On My iPhone', ?)`).run(ACCOUNT_ENT, created);
    db.prepare(`INSERT INTO ZICCLOUDSYNCINGOBJECT (Z_PK, Z_ENT, Z_OPT, ZMARKEDFORDELETION, ZACCOUNT2, ZACCOUNT3, ZACCOUNT4, ZFOLDERTYPE,
      ZIDENTIFIER, ZTITLE2, ZCREATIONDATE) VALUES (2, ?, 1, 0, 1, 1, 1, 0, ?, 'Notes', ?)`).run(FOLDER_ENT, random.uuid(), created);
    const addNote = db.prepare(`INSERT INTO ZICCLOUDSYNCINGOBJECT (Z_PK, Z_ENT, Z_OPT, ZMARKEDFORDELETION, ZACCOUNT2, ZACCOUNT3, ZACCOUNT4,
      ZFOLDER, ZNOTEDATA, ZISPASSWORDPROTECTED, ZISPINNED, ZCREATIONDATE1, ZMODIFICATIONDATE1, ZIDENTIFIER, ZTITLE1, ZSNIPPET)
      VALUES (@pk, ${NOTE_ENT}, 1, 0, 1, 1, 1, 2, @data, 0, @pinned, @created, @modified, @uuid, @title, @snippet)`);
    const addData = db.prepare(`INSERT INTO ZICNOTEDATA (Z_PK, Z_ENT, Z_OPT, ZNOTE, ZDATA) VALUES (?, ${NOTE_DATA_ENT}, 1, ?, ?)`);
    let at = from;
    for (let i = 0; i < notes; i++) {
      at += random.int(3_600, 900_000);
      const [title, snippet] = NOTES[i % NOTES.length] ?? ['Note', ''];
      const pk = 3 + i;
      const noteCreated = appleSeconds(at);
      addNote.run({
        pk, data: i + 1, pinned: i === 0 ? 1 : 0, created: noteCreated, modified: noteCreated + random.int(0, 86_400),
        uuid: random.uuid(), title, snippet,
      });
      // The first line of a note is its title; the rest is the snippet the list shows.
      addData.run(i + 1, pk, noteBody(`${title}\n${snippet}`));
    }
    coreDataTables(db, ENTITIES.map((entity) =>
      entity.name === 'ICNote' || entity.name === 'ICNoteData' ? { ...entity, max: notes } : entity,
    ), 'NotesV7');
  });
}
