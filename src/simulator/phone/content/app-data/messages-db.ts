import { SeededRandom } from '../../seeded-random';
import type { Person } from './people';
import { appleSeconds, sqliteImage } from './sqlite-image';

/**
 * HomeDomain `Library/SMS/sms.db` as iOS 17 lays it out (the tables and columns iLEAPP's sms.py,
 * mvt's sms.py and imessage-exporter read): message, handle, chat, chat_message_join,
 * chat_handle_join, attachment, message_attachment_join. Dates are nanoseconds since 2001.
 */

/** A picture sent in Messages: its file is in MediaDomain at `relativePath`. */
export interface MessageAttachment {
  readonly guid: string;
  readonly relativePath: string; // Library/SMS/Attachments/xx/yy/<guid>/IMG_nnnn.jpeg
  readonly transferName: string;
  readonly sentAt: number; // Unix seconds
  readonly size: number;
}

/** The Messages attachments of a phone: planned once, so the files and the rows naming them agree. */
export function planMessageAttachments(seed: number, count: number, sizes: readonly [number, number], from: number, to: number): MessageAttachment[] {
  const random = new SeededRandom(seed, 'sms-attachments');
  const attachments: MessageAttachment[] = [];
  for (let i = 0; i < count; i++) {
    const guid = random.uuid();
    const transferName = `IMG_${String(random.int(1, 9999)).padStart(4, '0')}.jpeg`;
    const a = random.hex(1);
    const b = random.int(0, 15).toString(16).padStart(2, '0');
    attachments.push({
      guid, transferName,
      relativePath: `Library/SMS/Attachments/${a}/${b}/${guid}/${transferName}`,
      sentAt: random.int(from, to),
      size: random.int(sizes[0], sizes[1]),
    });
  }
  return attachments;
}

const SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL,
  uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT,
  properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0,
  last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0, successful_query INTEGER,
  engram_id TEXT, server_change_token TEXT, ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT, last_read_message_timestamp INTEGER DEFAULT 0,
  cloudkit_record_id TEXT, last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0, syndication_date INTEGER DEFAULT 0,
  syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0, is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0,
  service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0,
  type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER,
  date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0,
  is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0,
  is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0,
  has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0,
  is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0,
  was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER,
  item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0,
  share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0,
  message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid TEXT,
  associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB, expressive_send_style_id TEXT,
  associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0,
  time_expressive_send_played INTEGER, message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT,
  ck_record_change_tag TEXT, destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT, sort_id INTEGER,
  is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT, thread_originator_part TEXT,
  syndication_ranges TEXT, synced_syndication_ranges TEXT, was_delivered_quietly INTEGER DEFAULT 0,
  did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER, date_edited INTEGER, was_detonated INTEGER DEFAULT 0,
  part_count INTEGER, is_stewie INTEGER DEFAULT 0, is_kt_verified INTEGER DEFAULT 0, is_sos INTEGER DEFAULT 0,
  is_critical INTEGER DEFAULT 0, bia_reference_id TEXT, fallback_hash TEXT);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0,
  start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0,
  is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0,
  sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0,
  ck_server_change_token_blob BLOB, ck_record_id TEXT, original_guid TEXT UNIQUE NOT NULL, is_commsafety_sensitive INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
  attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE INDEX chat_message_join_idx_message_date_id_chat_id ON chat_message_join(chat_id, message_date, message_id);
CREATE INDEX message_idx_handle ON message(handle_id, date);
`;

const PHRASES = ['on my way', 'see you at 7', 'thanks!', 'did you get the photos?', 'call me later', 'happy birthday 🎉', 'running late', 'ok'];
const NANOS = 1_000_000_000;
/** Messages with one person at most; a real sms.db has a chat per conversation partner. */
const MAX_CONVERSATIONS = 60;

export function buildMessagesDatabase(seed: number, people: readonly Person[], messages: number, attachments: readonly MessageAttachment[], from: number): Buffer {
  return sqliteImage(`sms|${seed}|${people.length}|${messages}|${attachments.length}|${from}`, (db) => {
    const random = new SeededRandom(seed, 'sms');
    db.exec(SCHEMA);
    db.prepare("INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('_ClientVersion', '17111')").run();
    const partners = people.slice(0, Math.max(1, Math.min(people.length, MAX_CONVERSATIONS)));
    const addHandle = db.prepare("INSERT INTO handle (id, country, service, uncanonicalized_id) VALUES (?, 'us', 'iMessage', ?)");
    const addChat = db.prepare("INSERT INTO chat (guid, style, state, account_id, chat_identifier, service_name, account_login, last_addressed_handle) VALUES (?, 45, 3, ?, ?, 'iMessage', 'E:owner@example.com', 'owner@example.com')");
    const joinHandle = db.prepare('INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)');
    const account = random.uuid();
    for (const [index, person] of partners.entries()) {
      addHandle.run(person.phone, person.phone.replace('+1', ''));
      addChat.run(`iMessage;-;${person.phone}`, account, person.phone);
      joinHandle.run(index + 1, index + 1);
    }

    const addMessage = db.prepare(`INSERT INTO message (guid, text, handle_id, service, account, account_guid, date, date_read, date_delivered,
      is_delivered, is_finished, is_from_me, is_read, is_sent, cache_has_attachments, sort_id, part_count)
      VALUES (@guid, @text, @handle, 'iMessage', 'E:owner@example.com', @account, @date, @dateRead, @dateDelivered, 1, 1, @fromMe, @read, @sent, @hasAttachment, 0, 1)`);
    const joinChat = db.prepare('INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)');
    const addAttachment = db.prepare(`INSERT INTO attachment (guid, created_date, start_date, filename, uti, mime_type, transfer_state, is_outgoing,
      transfer_name, total_bytes, original_guid) VALUES (?, ?, 0, ?, 'public.jpeg', 'image/jpeg', 5, ?, ?, ?, ?)`);
    const joinAttachment = db.prepare('INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)');

    let at = from;
    const total = Math.max(messages, attachments.length);
    for (let i = 0; i < total; i++) {
      at += random.int(10, 40_000);
      const attachment = attachments[i];
      const sentAt = attachment?.sentAt ?? at;
      const chat = random.int(1, partners.length);
      const fromMe = random.chance(0.5);
      const date = appleSeconds(sentAt) * NANOS;
      const delivered = date + random.int(1, 30) * NANOS;
      const id = addMessage.run({
        guid: random.uuid(),
        text: attachment ? '\uFFFC' : random.pick(PHRASES),
        handle: chat,
        account,
        date,
        // The other side's reading time is not known to the sender's phone: 0, as on real phones.
        dateRead: fromMe ? 0 : delivered + random.int(5, 3_600) * NANOS,
        dateDelivered: fromMe ? delivered : 0,
        fromMe: fromMe ? 1 : 0,
        read: fromMe ? 0 : 1,
        sent: fromMe ? 1 : 0,
        hasAttachment: attachment ? 1 : 0,
      }).lastInsertRowid;
      joinChat.run(chat, id, date);
      if (attachment) {
        const attachmentId = addAttachment.run(attachment.guid, appleSeconds(sentAt), `~/${attachment.relativePath}`, fromMe ? 1 : 0, attachment.transferName, attachment.size, attachment.guid).lastInsertRowid;
        joinAttachment.run(id, attachmentId);
      }
    }
  });
}
