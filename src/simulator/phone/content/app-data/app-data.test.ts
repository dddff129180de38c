import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhone } from '../../phone-generator';
import type { GeneratedFile } from '../../generated-file';
import { noteText } from './note-body';

/**
 * The generated phone's app databases as forensic tools open them (issue 14 fact 4). The expected
 * tables and columns are written out here from the tools' own queries (iLEAPP sms.py, addressBook.py,
 * callHistory.py, safariHistory.py, calendarAll.py, notes.py, Photos artifacts; mvt), not taken from
 * the generator, so a schema that drifts from what they read fails.
 */
const EXPECTED: Record<string, { readonly domain: string; readonly path: string; readonly tables: Record<string, readonly string[]> }> = {
  sms: {
    domain: 'HomeDomain', path: 'Library/SMS/sms.db',
    tables: {
      message: ['ROWID', 'guid', 'text', 'handle_id', 'service', 'account', 'date', 'date_read', 'date_delivered', 'is_delivered', 'is_from_me',
        'is_read', 'is_sent', 'cache_has_attachments', 'associated_message_guid', 'associated_message_type', 'attributedBody', 'item_type',
        'thread_originator_guid', 'date_edited', 'date_retracted', 'balloon_bundle_id', 'expressive_send_style_id', 'is_audio_message'],
      handle: ['ROWID', 'id', 'country', 'service', 'uncanonicalized_id', 'person_centric_id'],
      chat: ['ROWID', 'guid', 'style', 'chat_identifier', 'service_name', 'room_name', 'display_name', 'account_login', 'last_addressed_handle'],
      chat_message_join: ['chat_id', 'message_id', 'message_date'],
      chat_handle_join: ['chat_id', 'handle_id'],
      attachment: ['ROWID', 'guid', 'created_date', 'filename', 'uti', 'mime_type', 'transfer_state', 'is_outgoing', 'transfer_name', 'total_bytes'],
      message_attachment_join: ['message_id', 'attachment_id'],
    },
  },
  contacts: {
    domain: 'HomeDomain', path: 'Library/AddressBook/AddressBook.sqlitedb',
    tables: {
      ABPerson: ['ROWID', 'First', 'Middle', 'Last', 'Organization', 'Birthday', 'Note', 'CreationDate', 'ModificationDate', 'StoreID', 'DisplayName'],
      ABMultiValue: ['UID', 'record_id', 'property', 'identifier', 'label', 'value'],
      ABMultiValueLabel: ['value'],
      ABMultiValueEntry: ['parent_id', 'key', 'value'],
      ABMultiValueEntryKey: ['value'],
      ABStore: ['ROWID', 'Name'],
      ABPersonFullTextSearch_content: ['docid', 'c0First', 'c1Last', 'c16Phone', 'c17Email'],
    },
  },
  calls: {
    domain: 'HomeDomain', path: 'Library/CallHistoryDB/CallHistory.storedata',
    tables: {
      ZCALLRECORD: ['Z_PK', 'Z_ENT', 'Z_OPT', 'ZDATE', 'ZADDRESS', 'ZNAME', 'ZANSWERED', 'ZCALLTYPE', 'ZORIGINATED', 'ZDURATION',
        'ZISO_COUNTRY_CODE', 'ZLOCATION', 'ZSERVICE_PROVIDER', 'ZUNIQUE_ID', 'ZREAD'],
      Z_PRIMARYKEY: ['Z_ENT', 'Z_NAME', 'Z_SUPER', 'Z_MAX'],
      Z_METADATA: ['Z_VERSION', 'Z_UUID', 'Z_PLIST'],
    },
  },
  safari: {
    domain: 'HomeDomain', path: 'Library/Safari/History.db',
    tables: {
      history_items: ['id', 'url', 'domain_expansion', 'visit_count', 'daily_visit_counts'],
      history_visits: ['id', 'history_item', 'visit_time', 'title', 'load_successful', 'redirect_source', 'redirect_destination', 'origin'],
    },
  },
  calendar: {
    domain: 'HomeDomain', path: 'Library/Calendar/Calendar.sqlitedb',
    tables: {
      CalendarItem: ['ROWID', 'summary', 'location_id', 'description', 'start_date', 'start_tz', 'end_date', 'all_day', 'calendar_id',
        'organizer_id', 'has_attendees', 'conference_url', 'conference_url_detected', 'creation_date', 'last_modified', 'calendar_scale'],
      Calendar: ['ROWID', 'store_id', 'title', 'color', 'flags', 'symbolic_color_name', 'external_id', 'self_identity_email', 'owner_identity_email',
        'owner_identity_id', 'sharing_status', 'notes'],
      Store: ['ROWID', 'name'],
      Location: ['ROWID', 'title', 'address', 'latitude', 'longitude'],
      Participant: ['ROWID', 'owner_id', 'identity_id', 'email', 'status', 'entity_type'],
      Identity: ['ROWID', 'display_name', 'address'],
      Attachment: ['ROWID', 'owner_id', 'file_id'],
      AttachmentFile: ['ROWID', 'filename', 'file_size'],
      Sharee: ['owner_id', 'identity_id', 'access_level'],
    },
  },
  notes: {
    domain: 'AppDomainGroup-group.com.apple.notes', path: 'NoteStore.sqlite',
    tables: {
      ZICCLOUDSYNCINGOBJECT: ['Z_PK', 'Z_ENT', 'ZTITLE1', 'ZTITLE2', 'ZSNIPPET', 'ZNAME', 'ZFOLDER', 'ZACCOUNT3', 'ZNOTEDATA', 'ZCREATIONDATE1',
        'ZMODIFICATIONDATE1', 'ZISPASSWORDPROTECTED', 'ZPASSWORDHINT', 'ZMARKEDFORDELETION', 'ZISPINNED', 'ZIDENTIFIER', 'ZNOTE',
        'ZATTACHMENT1', 'ZFILENAME', 'ZFILESIZE', 'ZTYPEUTI'],
      ZICNOTEDATA: ['Z_PK', 'ZNOTE', 'ZDATA'],
      Z_PRIMARYKEY: ['Z_ENT', 'Z_NAME'],
    },
  },
  photos: {
    domain: 'CameraRollDomain', path: 'Media/PhotoData/Photos.sqlite',
    tables: {
      ZASSET: ['Z_PK', 'ZDIRECTORY', 'ZFILENAME', 'ZKIND', 'ZKINDSUBTYPE', 'ZDATECREATED', 'ZMODIFICATIONDATE', 'ZADDEDDATE', 'ZTRASHEDSTATE',
        'ZHIDDEN', 'ZFAVORITE', 'ZWIDTH', 'ZHEIGHT', 'ZDURATION', 'ZUUID', 'ZUNIFORMTYPEIDENTIFIER', 'ZSAVEDASSETTYPE', 'ZADDITIONALATTRIBUTES'],
      ZADDITIONALASSETATTRIBUTES: ['Z_PK', 'ZASSET', 'ZORIGINALFILENAME', 'ZORIGINALFILESIZE', 'ZEXIFTIMESTAMPSTRING', 'ZTIMEZONENAME'],
    },
  },
};

describe('the generated phone’s app databases', () => {
  let dir: string;
  let files: GeneratedFile[];
  const paths = new Map<string, string>();
  const open = (name: string): Database.Database => new Database(paths.get(name) as string, { readonly: true });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-appdata-'));
    files = [...generatePhone(21, 'small').files];
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const file = files.find((candidate) => candidate.domain === expected.domain && candidate.relativePath === expected.path);
      if (!Buffer.isBuffer(file?.content)) throw new Error(`The phone has no database at ${expected.domain} ${expected.path}.`);
      const target = path.join(dir, `${name}.sqlite`);
      fs.writeFileSync(target, file.content);
      paths.set(name, target);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(EXPECTED))('%s passes sqlite3’s integrity check and has the tables and columns forensic tools query', (name) => {
    // Debian's sqlite3 command, not the better-sqlite3 that wrote the file.
    const integrity = execFileSync('sqlite3', ['-readonly', paths.get(name) as string, 'PRAGMA integrity_check;'], { encoding: 'utf8' });
    expect(integrity.trim()).toBe('ok');
    const db = open(name);
    try {
      for (const [table, columns] of Object.entries(EXPECTED[name]?.tables ?? {})) {
        const present = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((row) => row.name);
        expect({ table, missing: columns.filter((column) => !present.includes(column)) }).toEqual({ table, missing: [] });
      }
    } finally {
      db.close();
    }
  });

  it('tells one story: messages and calls are with contacts, attachments and photos name files the phone has', () => {
    const names = new Set(files.map((file) => `${file.domain} ${file.relativePath}`));
    const contacts = open('contacts');
    const numbers = new Set(contacts.prepare<[], { value: string }>('SELECT value FROM ABMultiValue WHERE property = 3').all().map((row) => row.value));
    expect(numbers.size).toBe(25);
    const search = contacts.prepare<[], { c16Phone: string }>('SELECT c16Phone FROM ABPersonFullTextSearch_content').all();
    expect(search).toHaveLength(25);
    contacts.close();

    const sms = open('sms');
    const handles = sms.prepare<[], { id: string }>('SELECT id FROM handle').all();
    expect(handles.length).toBeGreaterThan(0);
    expect(handles.every((handle) => numbers.has(handle.id))).toBe(true);
    const messages = sms.prepare<[], { is_from_me: number; date: number; date_read: number; date_delivered: number }>('SELECT is_from_me, date, date_read, date_delivered FROM message').all();
    expect(messages).toHaveLength(120);
    for (const message of messages) {
      // Nanoseconds since 2001, between 2022 and 2027; read after it arrived.
      expect(message.date).toBeGreaterThan(650_000_000 * 1e9);
      expect(message.date).toBeLessThan(820_000_000 * 1e9);
      if (message.is_from_me === 0) expect(message.date_read).toBeGreaterThan(message.date);
      else expect(message.date_delivered).toBeGreaterThan(message.date);
    }
    const attachments = sms.prepare<[], { filename: string; total_bytes: number }>(
      'SELECT filename, total_bytes FROM attachment JOIN message_attachment_join ON attachment.ROWID = attachment_id').all();
    expect(attachments).toHaveLength(4);
    for (const attachment of attachments) {
      const relative = attachment.filename.replace(/^~\//, '');
      expect(names.has(`MediaDomain ${relative}`)).toBe(true);
      const file = files.find((candidate) => candidate.domain === 'MediaDomain' && candidate.relativePath === relative);
      expect(file?.content && !Buffer.isBuffer(file.content) ? file.content.size : -1).toBe(attachment.total_bytes);
    }
    sms.close();

    const calls = open('calls');
    const callRows = calls.prepare<[], { ZADDRESS: Buffer; ZCALLTYPE: number }>('SELECT ZADDRESS, ZCALLTYPE FROM ZCALLRECORD').all();
    expect(callRows).toHaveLength(50);
    expect(callRows.every((row) => numbers.has(row.ZADDRESS.toString('utf8')) && [1, 8, 16].includes(row.ZCALLTYPE))).toBe(true);
    calls.close();

    const photos = open('photos');
    const assets = photos.prepare<[], { ZDIRECTORY: string; ZFILENAME: string }>('SELECT ZDIRECTORY, ZFILENAME FROM ZASSET').all();
    // One asset per capture: a Live Photo's .MOV (beside its .HEIC), IMG_E renders and .AAE edits belong to their photo's row.
    const paths = new Set(files.map((file) => file.relativePath));
    const dcim = files.filter((file) => file.domain === 'CameraRollDomain' && /^Media\/DCIM\/\d{3}APPLE\/IMG_\d{4}\.(JPG|HEIC|MOV|PNG)$/.test(file.relativePath) &&
      !(file.relativePath.endsWith('.MOV') && paths.has(file.relativePath.replace(/MOV$/, 'HEIC'))));
    expect(assets.map((asset) => `Media/${asset.ZDIRECTORY}/${asset.ZFILENAME}`).sort()).toEqual(dcim.map((file) => file.relativePath).sort());
    photos.close();
  });

  it('puts a valid SQLite database, never random bytes, at every database path of the phone', () => {
    const databases = files.filter((file) => file.kind === 'file' && /\.(db|sqlite|sqlitedb|storedata)$/.test(file.relativePath));
    expect(databases.length).toBeGreaterThanOrEqual(15);
    for (const file of databases) {
      const bytes = Buffer.isBuffer(file.content) ? file.content : Buffer.alloc(0);
      expect({ path: `${file.domain} ${file.relativePath}`, header: bytes.subarray(0, 16).toString('latin1') }).toEqual({ path: `${file.domain} ${file.relativePath}`, header: 'SQLite format 3\u0000' });
      const db = new Database(bytes);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    }
    const memos = files.find((file) => file.relativePath === 'Media/Recordings/CloudRecordings.db');
    const db = new Database(Buffer.isBuffer(memos?.content) ? memos.content : Buffer.alloc(0));
    const recorded = db.prepare<[], { ZPATH: string }>('SELECT ZPATH FROM ZCLOUDRECORDING').all().map((row) => `Media/Recordings/${row.ZPATH}`);
    db.close();
    expect(recorded.length).toBe(3);
    expect(recorded.every((relativePath) => files.some((file) => file.domain === 'MediaDomain' && file.relativePath === relativePath))).toBe(true);
  });

  it('keeps note bodies as gzipped protobuf whose text starts with the note’s title', () => {
    const notes = open('notes');
    const rows = notes.prepare<[], { ZTITLE1: string; ZDATA: Buffer }>(
      'SELECT n.ZTITLE1, d.ZDATA FROM ZICCLOUDSYNCINGOBJECT n JOIN ZICNOTEDATA d ON d.Z_PK = n.ZNOTEDATA JOIN ZICCLOUDSYNCINGOBJECT f ON f.Z_PK = n.ZFOLDER JOIN ZICCLOUDSYNCINGOBJECT a ON a.Z_PK = n.ZACCOUNT3').all();
    notes.close();
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row.ZDATA.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(noteText(row.ZDATA).split('\n')[0]).toBe(row.ZTITLE1);
    }
  });

  it('is the same, byte for byte, for the same seed, and differs for another', () => {
    const again = [...generatePhone(21, 'small').files].find((file) => file.relativePath === 'Library/SMS/sms.db');
    expect(Buffer.isBuffer(again?.content) && again.content.equals(fs.readFileSync(paths.get('sms') as string))).toBe(true);
    const other = [...generatePhone(22, 'small').files].find((file) => file.relativePath === 'Library/SMS/sms.db');
    expect(Buffer.isBuffer(other?.content) && other.content.equals(fs.readFileSync(paths.get('sms') as string))).toBe(false);
  });
});
