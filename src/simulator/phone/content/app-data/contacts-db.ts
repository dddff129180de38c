import { SeededRandom } from '../../seeded-random';
import type { Person } from './people';
import { appleSeconds, sqliteImage } from './sqlite-image';

/**
 * HomeDomain `Library/AddressBook/AddressBook.sqlitedb` (the tables iLEAPP's addressBook.py and
 * mvt's contacts.py read): ABPerson, ABMultiValue with its labels, ABStore, ABGroup, and the FTS4
 * index whose content table `ABPersonFullTextSearch_content` holds `c16Phone` / `c17Email`.
 */
const SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER, ConstraintsPath TEXT,
  ExternalModificationTag TEXT, ExternalSyncTag TEXT, AccountID INTEGER, Enabled INTEGER DEFAULT 1, SyncData BLOB, MeIdentifier TEXT, Capabilities INTEGER DEFAULT 0);
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT,
  LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT,
  Suffix TEXT, FirstSort TEXT, LastSort TEXT, CreationDate INTEGER, ModificationDate INTEGER, CompositeNameFallback TEXT,
  ExternalIdentifier TEXT, ExternalModificationTag TEXT, ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT, ExternalRepresentation BLOB,
  FirstSortSection TEXT, LastSortSection TEXT, FirstSortLanguageIndex INTEGER DEFAULT 2147483647, LastSortLanguageIndex INTEGER DEFAULT 2147483647,
  PersonLink INTEGER DEFAULT -1, ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1, guid TEXT, PhonemeData TEXT,
  AlternateBirthday TEXT, MapsData TEXT, FirstPronunciation TEXT, MiddlePronunciation TEXT, LastPronunciation TEXT, OrganizationPhonetic TEXT,
  OrganizationPronunciation TEXT, PreviousFamilyName TEXT, PreferredLikenessSource TEXT, PreferredPersonaIdentifier TEXT, UNIQUE(guid));
CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT,
  guid TEXT, UNIQUE(guid));
CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT, UNIQUE(parent_id, key));
CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value));
CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, StoreID INTEGER, ExternalModificationTag TEXT,
  ExternalRepresentation BLOB, ExternalUUID TEXT, guid TEXT, UNIQUE(guid));
CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER, member_id INTEGER, UNIQUE(group_id, member_type, member_id));
CREATE VIRTUAL TABLE ABPersonFullTextSearch USING fts4(First, Last, Middle, FirstPhonetic, MiddlePhonetic, LastPhonetic, Organization,
  Department, Note, Birthday, JobTitle, Nickname, Prefix, Suffix, DisplayName, Phonetic, Phone, Email, Address, SocialProfile, URL,
  RelatedNames, IM, Date);
CREATE INDEX ABMultiValueRecordIDIndex ON ABMultiValue(record_id);
`;

/** ABMultiValue.property of phone numbers and e-mail addresses (kABPersonPhoneProperty, kABPersonEmailProperty). */
const PHONE_PROPERTY = 3;
const EMAIL_PROPERTY = 4;
const MOBILE_LABEL = '_$!<Mobile>!$_';
const HOME_LABEL = '_$!<Home>!$_';

export function buildContactsDatabase(seed: number, people: readonly Person[]): Buffer {
  return sqliteImage(`addressbook|${seed}|${people.length}`, (db) => {
    const random = new SeededRandom(seed, 'addressbook');
    db.exec(SCHEMA);
    db.prepare("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('__ABPersonTableVersion', '28')").run();
    db.prepare("INSERT INTO ABStore (Name, Type, Enabled) VALUES ('Local', 0, 1)").run();
    for (const label of [MOBILE_LABEL, HOME_LABEL]) db.prepare('INSERT INTO ABMultiValueLabel (value) VALUES (?)').run(label);
    const addPerson = db.prepare(`INSERT INTO ABPerson (First, Last, Organization, Kind, FirstSort, LastSort, CreationDate, ModificationDate,
      StoreID, DisplayName, FirstSortSection, LastSortSection, guid) VALUES (?, ?, ?, 0, ?, ?, ?, ?, 1, ?, ?, ?, ?)`);
    const addValue = db.prepare('INSERT INTO ABMultiValue (record_id, property, identifier, label, value, guid) VALUES (?, ?, 0, ?, ?, ?)');
    const addSearch = db.prepare('INSERT INTO ABPersonFullTextSearch (docid, First, Last, Organization, Phone, Email) VALUES (?, ?, ?, ?, ?, ?)');
    for (const person of people) {
      const created = appleSeconds(person.createdAt);
      const id = addPerson.run(
        person.first, person.last, person.organization ?? null, `${person.first} ${person.last}`, `${person.last} ${person.first}`,
        created, created + 86_400, `${person.first} ${person.last}`, person.first.slice(0, 1), person.last.slice(0, 1),
        `${random.uuid()}:ABPerson`,
      ).lastInsertRowid;
      addValue.run(id, PHONE_PROPERTY, 1, person.phone, random.uuid());
      addValue.run(id, EMAIL_PROPERTY, 2, person.email, random.uuid());
      // The search index keeps numbers in the forms people type them, as the phone does.
      const local = person.phone.replace('+1', '');
      addSearch.run(id, person.first, person.last, person.organization ?? null, `${person.phone} ${local}`, person.email);
    }
  });
}
