import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/main/backup/backup-error';
import type { BackupBrowser, BrowserEntry } from '../../src/main/browser';
import { openCallsReader } from '../../src/main/library/calls-reader';
import { handleKey, openContactsReader } from '../../src/main/library/contacts-reader';
import { attributedBodyText, openMessagesReader } from '../../src/main/library/messages-reader';
import { openNotesReader } from '../../src/main/library/notes-reader';
import { openPhotosReader } from '../../src/main/library/photos-reader';
import { openSafariReader } from '../../src/main/library/safari-reader';
import { openBookmarksReader } from '../../src/main/library/bookmarks-reader';
import { buildSafariBookmarksDatabase } from '../../src/simulator/phone/content/app-data/small-databases';
import { openVoicemailReader } from '../../src/main/library/voicemail-reader';
import { buildCallHistoryDatabase } from '../../src/simulator/phone/content/app-data/call-history-db';
import { buildContactsDatabase } from '../../src/simulator/phone/content/app-data/contacts-db';
import { buildMessagesDatabase, planMessageAttachments } from '../../src/simulator/phone/content/app-data/messages-db';
import { buildNotesDatabase } from '../../src/simulator/phone/content/app-data/notes-db';
import { peopleOf } from '../../src/simulator/phone/content/app-data/people';
import { buildSafariHistoryDatabase } from '../../src/simulator/phone/content/app-data/safari-history-db';
import { buildVoicemailDatabase, planVoicemails, voicemailAudio } from '../../src/simulator/phone/content/app-data/voicemail-db';
import { generatePhone } from '../../src/simulator/phone/phone-generator';
import { buildPhotosDatabase } from '../../src/simulator/phone/content/sqlite-content';

/**
 * Each library reader (src/main/library) against the database the virtual iPhone generates
 * (the tables iLEAPP and mvt read, at real paths), and against malformed ones: damaged bytes, a
 * hostile schema (a view where a table should be, a virtual table) and a missing column each give a
 * BackupError `corrupt` with a sentence, never a crash or a hang.
 */
const SEED = 15;
const NOW = Date.UTC(2026, 10, 1) / 1000;
const FROM = NOW - 365 * 86_400;
const people = peopleOf(SEED, 12, NOW);

/** A browser that holds exactly `files` (domain/path), for the readers that name files. */
function fakeBrowser(files: readonly string[]): BackupBrowser {
  const entries = new Map(files.map((file) => {
    const slash = file.indexOf('/');
    const entry = { domain: file.slice(0, slash), relativePath: file.slice(slash + 1), kind: 'file', size: 1234, fileId: file, lastModified: NOW } as unknown as BrowserEntry;
    return [file, entry];
  }));
  return {
    entry: (domain: string, relativePath: string) => entries.get(`${domain}/${relativePath}`),
    hasContent: () => true,
    under: (domain: string, prefix: string) => [...entries.values()].filter((entry) => entry.domain === domain && entry.relativePath.startsWith(`${prefix}/`)),
  } as unknown as BackupBrowser;
}

/** A copy of `image` whose pages after the first are overwritten: opens, then fails mid-read. */
function damaged(image: Buffer): Buffer {
  const copy = Buffer.from(image);
  const pageSize = copy.readUInt16BE(16) === 1 ? 65536 : copy.readUInt16BE(16);
  copy.fill(0xa5, pageSize, copy.length);
  return copy;
}

function corrupt(open: () => unknown): BackupError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('corrupt');
    return error as BackupError;
  }
  throw new Error('the malformed database was accepted');
}

/** A database with `sql` as its whole schema. */
function databaseOf(sql: string): Buffer {
  const db = new Database(':memory:');
  db.exec(sql);
  const image = db.serialize();
  db.close();
  return image;
}

describe('the Contacts reader', () => {
  const image = buildContactsDatabase(SEED, people);

  it('lists every contact in name order with labelled numbers and addresses, pages and searches them', () => {
    const reader = openContactsReader(image);
    expect(reader.count()).toBe(people.length);
    const all = reader.page(0, 100);
    expect(all.map((contact) => contact.last)).toEqual([...all.map((contact) => contact.last)].sort((a, b) => (a ?? '').localeCompare(b ?? '', undefined, { sensitivity: 'base' })));
    const ana = all.find((contact) => contact.phones[0]?.value === people[0]!.phone)!;
    expect(ana.name).toBe(`${people[0]!.first} ${people[0]!.last}`);
    expect(ana.phones[0]!.label).toBe('Mobile');
    expect(ana.emails[0]!.value).toBe(people[0]!.email);
    expect(reader.page(2, 3).map((contact) => contact.id)).toEqual(all.slice(2, 5).map((contact) => contact.id));
    // Found by a piece of a number as typed, and by a name.
    expect(reader.page(0, 10, people[3]!.phone.slice(-7)).map((contact) => contact.id)).toContain(all.find((contact) => contact.phones[0]?.value === people[3]!.phone)!.id);
    expect(reader.count(people[5]!.first)).toBeGreaterThanOrEqual(1);
    expect(reader.names().nameOf(people[2]!.phone.replace('+1', ''))).toBe(`${people[2]!.first} ${people[2]!.last}`);
    expect(handleKey('+1 (555) 012-3456')).toBe(handleKey('5550123456'));
    reader.close();
  });

  it('refuses damaged bytes, a view for ABPerson and a missing column with a sentence', () => {
    expect(corrupt(() => openContactsReader(Buffer.from('not a database at all, just text'))).message).toMatch(/Contacts database.*cannot be read/);
    const hostile = databaseOf(`CREATE TABLE ABMultiValue (record_id, property, label, value);
      CREATE VIEW ABPerson AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x AS ROWID, x AS First, x AS Last FROM n;`);
    expect(corrupt(() => openContactsReader(hostile)).message).toMatch(/ABPerson is a view/);
    expect(corrupt(() => openContactsReader(databaseOf('CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First); CREATE TABLE ABMultiValue (record_id, property, label, value);'))).message).toMatch(/no Last column/);
    const virtual = databaseOf("CREATE VIRTUAL TABLE ABPerson USING fts4(First, Last); CREATE TABLE ABMultiValue (record_id, property, label, value);");
    expect(corrupt(() => openContactsReader(virtual)).message).toMatch(/virtual table/);
    expect(corrupt(() => openContactsReader(damaged(image)).page(0, 50)).message).toMatch(/damaged|malformed|cannot be read/);
  });
});

describe('the Messages reader', () => {
  const attachments = planMessageAttachments(SEED, 3, [2000, 4000], FROM, NOW);
  const image = buildMessagesDatabase(SEED, people, 40, attachments, FROM);
  const browser = fakeBrowser(attachments.slice(0, 2).map((attachment) => `MediaDomain/${attachment.relativePath}`));
  const names = openContactsReader(buildContactsDatabase(SEED, people)).names();

  it('lists conversations newest first, named after contacts, and their messages oldest first with attachments', () => {
    const reader = openMessagesReader(image, browser, names);
    const conversations = reader.conversations(0, 100);
    expect(conversations.length).toBe(reader.conversationCount());
    const dates = conversations.map((conversation) => conversation.lastAt ?? '');
    expect(dates).toEqual([...dates].sort().reverse());
    const names_ = new Set(people.map((person) => `${person.first} ${person.last}`));
    expect(conversations.every((conversation) => names_.has(conversation.title))).toBe(true);
    const total = conversations.reduce((sum, conversation) => sum + conversation.messages, 0);
    expect(total).toBe(reader.messageCount());
    expect(total).toBe(40);
    const first = conversations[0]!;
    const messages = reader.messages(first.id, 0, 1000);
    expect(messages.length).toBe(first.messages);
    expect(messages.map((message) => message.at)).toEqual([...messages.map((message) => message.at)].sort());
    expect(messages.every((message) => message.fromMe ? message.sender === 'Me' : message.sender === first.title)).toBe(true);
    const withFiles = reader.messages(undefined, 0, 1000).filter((message) => message.attachments.length > 0);
    expect(withFiles.length).toBe(3);
    const shown = withFiles.flatMap((message) => message.attachments);
    expect(shown.filter((attachment) => !attachment.missing).map((attachment) => attachment.ref).sort()).toEqual(attachments.slice(0, 2).map((attachment) => `MediaDomain/${attachment.relativePath}`).sort());
    // The third is named by sms.db but not in the backup: shown as missing, not dropped.
    expect(shown.filter((attachment) => attachment.missing).map((attachment) => attachment.name)).toEqual([attachments[2]!.transferName]);
    expect(withFiles.every((message) => !message.text.includes('\uFFFC'))).toBe(true);
    reader.close();
  });

  it('finds message text with the conversation it is in, and pages a conversation', () => {
    const reader = openMessagesReader(image, browser, names);
    const hits = reader.search('thanks', 100);
    expect(hits.rows.length).toBeGreaterThan(0);
    expect(hits.rows.every((message) => message.text.includes('thanks') && message.conversation)).toBe(true);
    const chat = reader.conversations(0, 1)[0]!;
    const all = reader.messages(chat.id, 0, 1000).map((message) => message.id);
    expect([...reader.messages(chat.id, 0, 2), ...reader.messages(chat.id, 2, 1000)].map((message) => message.id)).toEqual(all);
    reader.close();
  });

  it('reads the text iOS 16+ keeps only in attributedBody', () => {
    const text = 'Hello from a typedstream';
    const blob = Buffer.concat([Buffer.from('\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString', 'latin1'), Buffer.from([0x01, 0x94, 0x84, 0x01, 0x2b, text.length]), Buffer.from(text), Buffer.from([0x86, 0x84])]);
    expect(attributedBodyText(blob)).toBe(text);
    expect(attributedBodyText(Buffer.from('NSString'))).toBe('');
    expect(attributedBodyText('text')).toBe('');
  });

  it('refuses a malformed sms.db with a sentence', () => {
    expect(corrupt(() => openMessagesReader(Buffer.alloc(4096, 7), browser, names)).message).toMatch(/Messages database \(sms\.db\)/);
    expect(corrupt(() => openMessagesReader(databaseOf('CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text);'), browser, names)).message).toMatch(/no handle_id, date, is_from_me columns|no chat table/);
    const generated = databaseOf(`CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text, handle_id, date, is_from_me, spin AS (zeroblob(1000000000)) VIRTUAL);
      CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, chat_identifier); CREATE TABLE chat_message_join (chat_id, message_id); CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id);`);
    expect(corrupt(() => openMessagesReader(generated, browser, names)).message).toMatch(/computed columns/);
    const midRead = corrupt(() => openMessagesReader(damaged(image), browser, names).conversations(0, 10)).message;
    expect(midRead).toMatch(/^The Messages database \(sms\.db\) in this backup is damaged and cannot be read \(SQLite says: .*\); the rest of the backup can still be browsed\.$/);
  });
});

describe('the call history reader', () => {
  const image = buildCallHistoryDatabase(SEED, people, 30, FROM);
  const names = openContactsReader(buildContactsDatabase(SEED, people)).names();

  it('lists calls newest first with the contact, direction, service and duration', () => {
    const reader = openCallsReader(image, names);
    expect(reader.count()).toBe(30);
    const calls = reader.page(0, 100);
    expect(calls.map((call) => call.at)).toEqual([...calls.map((call) => call.at)].sort().reverse());
    const known = new Set(people.map((person) => `${person.first} ${person.last}`));
    expect(calls.every((call) => known.has(call.who) && call.number.startsWith('+1555'))).toBe(true);
    expect(new Set(calls.map((call) => call.direction)).size).toBeGreaterThan(1);
    expect(calls.every((call) => ['phone', 'facetime-video', 'facetime-audio'].includes(call.service))).toBe(true);
    expect(calls.filter((call) => call.direction === 'missed').every((call) => call.durationSeconds === 0)).toBe(true);
    expect(reader.page(10, 5).map((call) => call.id)).toEqual(calls.slice(10, 15).map((call) => call.id));
    reader.close();
  });

  it('refuses a malformed CallHistory.storedata with a sentence', () => {
    expect(corrupt(() => openCallsReader(Buffer.from('SQLite format 3\0garbage'), names)).message).toMatch(/call history/);
    expect(corrupt(() => openCallsReader(databaseOf('CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZDATE);'), names)).message).toMatch(/no ZADDRESS/);
    expect(corrupt(() => openCallsReader(damaged(image), names).page(0, 100)).message).toMatch(/damaged|malformed|cannot be read/);
  });
});

describe('the Notes reader', () => {
  const image = buildNotesDatabase(SEED, 8, FROM);

  it('lists notes newest first with their folder, and reads a note’s whole text out of its gzipped body', () => {
    const reader = openNotesReader(image);
    expect(reader.count()).toBe(8);
    const notes = reader.page(0, 100);
    expect(notes.map((note) => note.modifiedAt)).toEqual([...notes.map((note) => note.modifiedAt)].sort().reverse());
    expect(notes.every((note) => note.folder === 'Notes' && !note.locked)).toBe(true);
    const shopping = notes.find((note) => note.title === 'Shopping')!;
    expect(reader.note(shopping.id).text).toBe('Shopping\nMilk, eggs, coffee, bread');
    expect(reader.search('passport', 10).rows.map((note) => note.title)).toContain('Packing list');
    reader.close();
  });

  it('shows a note whose body is not a valid gzip by its title and snippet, and refuses a malformed store', () => {
    const db = new Database(image);
    db.prepare('UPDATE ZICNOTEDATA SET ZDATA = ?').run(Buffer.from('not gzip'));
    const broken = db.serialize();
    db.close();
    const reader = openNotesReader(broken);
    const note = reader.page(0, 1)[0]!;
    expect(reader.note(note.id).text).toBe(`${note.title}\n${note.snippet}`);
    reader.close();
    expect(corrupt(() => openNotesReader(databaseOf('CREATE TABLE ZICNOTEDATA (Z_PK, ZDATA);'))).message).toMatch(/Notes database.*no ZICCLOUDSYNCINGOBJECT table/);
    expect(corrupt(() => openNotesReader(damaged(image)).page(0, 10)).message).toMatch(/damaged|malformed|cannot be read/);
  });
});

describe('the Photos reader', () => {
  const assets = [1, 2, 3, 4].map((number) => ({
    directory: 'DCIM/100APPLE', filename: `IMG_000${number}.${number === 4 ? 'MOV' : 'JPG'}`, takenAt: FROM + number * 86_400, kind: (number === 4 ? 1 : 0) as 0 | 1, width: 160, height: 120, uuid: `uuid-${number}`,
  }));
  const image = buildPhotosDatabase(assets);

  it('lists the Camera Roll newest first and shows a picture with its .MOV beside it as one Live Photo', () => {
    // IMG_0002 has its motion half in the backup (a Live Photo); IMG_0004 is a video of its own.
    const browser = fakeBrowser(['CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG', 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0002.JPG', 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0002.MOV', 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0004.MOV']);
    const reader = openPhotosReader(image, browser);
    expect(reader.count()).toBe(4);
    const rows = reader.page(0, 10);
    expect(rows.map((row) => row.file.name)).toEqual(['IMG_0004.MOV', 'IMG_0003.JPG', 'IMG_0002.JPG', 'IMG_0001.JPG']);
    expect(rows.map((row) => row.media)).toEqual(['video', 'photo', 'live-photo', 'photo']);
    expect(rows[2]!.video?.ref).toBe('CameraRollDomain/Media/DCIM/100APPLE/IMG_0002.MOV');
    // Listed by Photos.sqlite but not in the backup.
    expect(rows[1]!.file.missing).toBe(true);
    expect(reader.byIds([rows[2]!.id]).map((row) => row.file.name)).toEqual(['IMG_0002.JPG']);
    reader.close();
  });

  it('without Photos.sqlite, lists the DCIM files with each Live Photo pair once', () => {
    const browser = fakeBrowser(['CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG', 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.MOV', 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0002.PNG', 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.AAE']);
    const reader = openPhotosReader(undefined, browser);
    expect(reader.count()).toBe(2);
    expect(reader.page(0, 10).map((row) => row.media).sort()).toEqual(['live-photo', 'screenshot']);
  });

  it('refuses a malformed Photos.sqlite, and never makes a path out of a hostile file name', () => {
    const browser = fakeBrowser([]);
    expect(corrupt(() => openPhotosReader(Buffer.alloc(100, 1), browser)).message).toMatch(/Photos library/);
    const db = new Database(image);
    db.prepare("UPDATE ZASSET SET ZFILENAME = '../../../etc/passwd' WHERE Z_PK = 1").run();
    const hostile = db.serialize();
    db.close();
    const rows = openPhotosReader(hostile, browser).page(0, 10);
    expect(rows.some((row) => row.file.ref.includes('..'))).toBe(false);
    expect(corrupt(() => openPhotosReader(damaged(image), browser).page(0, 10)).message).toMatch(/damaged|malformed|cannot be read/);
  });
});

describe('the Safari and voicemail readers', () => {
  it('lists Safari visits newest first, and refuses a malformed History.db', () => {
    const image = buildSafariHistoryDatabase(SEED, 25, FROM);
    const reader = openSafariReader(image);
    expect(reader.count()).toBe(25);
    const visits = reader.page(0, 100);
    expect(visits.map((visit) => visit.at)).toEqual([...visits.map((visit) => visit.at)].sort().reverse());
    expect(visits.every((visit) => visit.url.startsWith('https://') && visit.title.length > 0)).toBe(true);
    expect(corrupt(() => openSafariReader(databaseOf('CREATE TABLE history_items (id, url);'))).message).toMatch(/Safari history.*no history_visits/);
  });

  it('lists Safari bookmarks folder by folder, Favorites named as Safari names them, and refuses a malformed Bookmarks.db', () => {
    const reader = openBookmarksReader(buildSafariBookmarksDatabase(SEED));
    expect(reader.count()).toBe(3);
    const bookmarks = reader.page(0, 10);
    expect(bookmarks.map((bookmark) => [bookmark.title, bookmark.url, bookmark.folder])).toEqual([
      ['Apple', 'https://www.apple.com/', 'Favorites'],
      ['Wikipedia', 'https://www.wikipedia.org/', 'Favorites'],
      ['OpenStreetMap', 'https://www.openstreetmap.org/', 'Favorites'],
    ]);
    expect(reader.page(1, 1).map((bookmark) => bookmark.title)).toEqual(['Wikipedia']);
    reader.close();
    expect(corrupt(() => openBookmarksReader(databaseOf('CREATE TABLE bookmarks (id, title, url);'))).message).toMatch(/Safari bookmarks.*no parent, type, order_index columns/);
  });

  it('lists voicemails with their audio when the backup holds it, and refuses a malformed voicemail.db', () => {
    const image = databaseOf(`CREATE TABLE voicemail (ROWID INTEGER PRIMARY KEY, remote_uid INTEGER, date INTEGER, token TEXT, sender TEXT, callback_num TEXT,
      duration INTEGER, expiration INTEGER, trashed_date INTEGER, flags INTEGER);
      INSERT INTO voicemail VALUES (1, 1, ${NOW - 3600}, 't', '${people[0]!.phone}', NULL, 42, 0, 0, 0), (2, 2, ${NOW}, 't', '+15550000000', NULL, 7, 0, 0, 0),
        (3, 3, ${NOW}, 't', '+15550000001', NULL, 7, 0, ${NOW}, 0);`);
    const names = openContactsReader(buildContactsDatabase(SEED, people)).names();
    const reader = openVoicemailReader(image, fakeBrowser(['HomeDomain/Library/Voicemail/1.amr']), names);
    expect(reader.count()).toBe(2);
    const rows = reader.page(0, 10);
    expect(rows.map((row) => row.who)).toEqual(['+15550000000', `${people[0]!.first} ${people[0]!.last}`]);
    expect(rows[1]!.audio?.ref).toBe('HomeDomain/Library/Voicemail/1.amr');
    expect(rows[1]!.durationSeconds).toBe(42);
    expect(corrupt(() => openVoicemailReader(databaseOf('CREATE VIEW voicemail AS SELECT 1 AS ROWID, 2 AS date, 3 AS sender;'), fakeBrowser([]), names)).message).toMatch(/voicemail is a view/);
  });

  it('reads the virtual iPhone\'s voicemail: voicemail.db and each message\'s AMR audio at their real paths', () => {
    const phone = [...generatePhone(SEED, 'small').files].filter((file) => file.domain === 'HomeDomain' && file.relativePath.startsWith('Library/Voicemail/'));
    const audioPaths = phone.filter((file) => file.relativePath.endsWith('.amr')).map((file) => `HomeDomain/${file.relativePath}`);
    expect(phone.map((file) => file.relativePath)).toContain('Library/Voicemail/voicemail.db');
    expect(audioPaths.length).toBeGreaterThanOrEqual(2);
    const voicemails = planVoicemails(SEED, people, 3, FROM, NOW);
    const names = openContactsReader(buildContactsDatabase(SEED, people)).names();
    const reader = openVoicemailReader(buildVoicemailDatabase(SEED, voicemails), fakeBrowser(voicemails.map((voicemail) => `HomeDomain/Library/Voicemail/${voicemail.id}.amr`)), names);
    expect(reader.count()).toBe(3);
    const rows = reader.page(0, 10);
    expect(rows.map((row) => row.at)).toEqual([...rows.map((row) => row.at)].sort().reverse());
    const byName = new Map(people.map((person) => [person.phone, `${person.first} ${person.last}`]));
    for (const row of rows) {
      const planned = voicemails.find((voicemail) => voicemail.id === row.id)!;
      expect(row.who).toBe(byName.get(planned.sender));
      expect(row.at).toBe(new Date(planned.date * 1000).toISOString());
      expect(row.durationSeconds).toBe(planned.durationSeconds);
      expect(row.audio?.ref).toBe(`HomeDomain/Library/Voicemail/${row.id}.amr`);
      // AMR narrowband storage format: the magic, then fifty 32-byte frames (mode 7) a second.
      const audio = voicemailAudio(SEED, planned);
      expect(audio.toString('latin1', 0, 6)).toBe('#!AMR\n');
      expect(audio.length).toBe(6 + planned.durationSeconds * 50 * 32);
      expect(audio[6]).toBe(0x3c);
    }
    reader.close();
  });
});
