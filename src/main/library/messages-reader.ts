import type { ConversationRow, MessageRow } from '../../shared/contract-library';
import type { BackupBrowser } from '../browser';
import { appleDate, type AppDatabase, numberOf, openAppDatabase, textOf } from './app-database';
import { escapeLike, type PeopleNames } from './contacts-reader';
import { attachmentPath, KNOWN_FILES, mediaRef } from './library-files';

/**
 * Messages from HomeDomain `Library/SMS/sms.db` (the tables iLEAPP's sms.py and imessage-exporter
 * read): chat, chat_handle_join → handle, chat_message_join → message, message_attachment_join →
 * attachment, whose `filename` (`~/Library/SMS/Attachments/…`) is a MediaDomain file of the backup.
 * Every list is a page of one query, so a conversation of 200,000 messages costs one screenful.
 */
export interface MessagesReader {
  conversationCount(): number;
  conversations(offset: number, limit: number): ConversationRow[];
  conversation(chatId: number): ConversationRow | undefined;
  messageCount(chatId?: number): number;
  /** A conversation's messages, oldest first; every conversation's, by conversation, when chatId is undefined. */
  messages(chatId: number | undefined, offset: number, limit: number): MessageRow[];
  search(text: string, limit: number): { readonly rows: MessageRow[]; readonly more: boolean };
  close(): void;
}

interface MessageSqlRow {
  readonly id: number;
  readonly chatId: number;
  readonly text: unknown;
  readonly body: unknown;
  readonly fromMe: number;
  readonly date: unknown;
  readonly handle: unknown;
  readonly service: unknown;
}

export function openMessagesReader(bytes: Buffer, browser: BackupBrowser, people: PeopleNames | undefined): MessagesReader {
  const database = openAppDatabase(bytes, KNOWN_FILES.messages.what, [
    { table: 'message', columns: ['ROWID', 'text', 'handle_id', 'date', 'is_from_me'], optional: ['attributedBody', 'service'] },
    { table: 'chat', columns: ['ROWID', 'chat_identifier'], optional: ['display_name'] },
    { table: 'chat_message_join', columns: ['chat_id', 'message_id'], optional: ['message_date'] },
    { table: 'handle', columns: ['ROWID', 'id'] },
  ], [
    { table: 'chat_handle_join', columns: ['chat_id', 'handle_id'] },
    { table: 'attachment', columns: ['ROWID', 'filename'], optional: ['transfer_name', 'mime_type', 'total_bytes'] },
    { table: 'message_attachment_join', columns: ['message_id', 'attachment_id'] },
  ]);
  return messagesOver(database, browser, people);
}

function messagesOver(database: AppDatabase, browser: BackupBrowser, people: PeopleNames | undefined): MessagesReader {
  const body = database.has('message', 'attributedBody') ? 'm.attributedBody' : 'NULL';
  const service = database.has('message', 'service') ? 'm.service' : 'NULL';
  const displayName = database.has('chat', 'display_name') ? 'c.display_name' : 'NULL';
  const withAttachments = database.hasTable('attachment') && database.hasTable('message_attachment_join');
  const transferName = database.has('attachment', 'transfer_name') ? 'a.transfer_name' : 'NULL';
  // chat_message_join's own copy of the date is indexed with the chat (iOS 11+): sorting on it reads one range.
  const joinDate = database.has('chat_message_join', 'message_date') ? 'j.message_date' : 'm.date';
  const named = (handle: string): string => (handle ? people?.nameOf(handle) ?? handle : 'Unknown');

  const participantsOf = (chatId: number, identifier: string): string[] => {
    if (!database.hasTable('chat_handle_join')) return identifier ? [identifier] : [];
    const handles = database.all<{ id: unknown }>('SELECT h.id AS id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id WHERE j.chat_id = ? LIMIT 50', chatId);
    const list = handles.map((handle) => textOf(handle.id, 500)).filter(Boolean);
    return list.length > 0 ? list : identifier ? [identifier] : [];
  };
  const toConversation = (row: { id: number; identifier: unknown; name: unknown; messages: number; last: unknown }): ConversationRow => {
    const identifier = textOf(row.identifier, 500);
    const participants = participantsOf(row.id, identifier).map(named);
    const title = textOf(row.name, 500) || participants.join(', ') || identifier || 'Conversation';
    const lastAt = appleDate(row.last);
    return { kind: 'conversation', id: row.id, title, participants, messages: numberOf(row.messages), ...(lastAt ? { lastAt } : {}) };
  };
  const conversationSql = `SELECT c.ROWID AS id, c.chat_identifier AS identifier, ${displayName} AS name,
      (SELECT COUNT(*) FROM chat_message_join j WHERE j.chat_id = c.ROWID) AS messages,
      (SELECT MAX(${joinDate}) FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id WHERE j.chat_id = c.ROWID) AS last
    FROM chat c`;

  const attachmentsOf = (messageIds: readonly number[]): Map<number, MessageRow['attachments'][number][]> => {
    const byMessage = new Map<number, MessageRow['attachments'][number][]>();
    if (!withAttachments || messageIds.length === 0) return byMessage;
    const rows = database.all<{ messageId: number; filename: unknown; name: unknown }>(
      `SELECT j.message_id AS messageId, a.filename AS filename, ${transferName} AS name FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id
       WHERE j.message_id IN (${messageIds.map(() => '?').join(',')}) ORDER BY a.ROWID`,
      ...messageIds,
    );
    for (const row of rows) {
      const where = attachmentPath(textOf(row.filename, 4096));
      const name = textOf(row.name, 500);
      const media = where ? mediaRef(browser, where.domain, where.relativePath, name) : { ref: '', name: name || 'Attachment', sizeBytes: 0, image: false, missing: true };
      const list = byMessage.get(row.messageId) ?? [];
      list.push(media);
      byMessage.set(row.messageId, list);
    }
    return byMessage;
  };
  const toMessages = (rows: readonly MessageSqlRow[], titles?: Map<number, string>): MessageRow[] => {
    const attachments = attachmentsOf(rows.map((row) => row.id));
    return rows.map((row) => {
      const at = appleDate(row.date);
      const fromMe = numberOf(row.fromMe) === 1;
      // U+FFFC is the placeholder where an attachment sits in the text.
      const text = (textOf(row.text) || attributedBodyText(row.body)).replace(/\uFFFC/g, '').trim();
      const conversation = titles?.get(row.chatId);
      const rowService = textOf(row.service, 100);
      return {
        kind: 'message',
        id: row.id,
        chatId: row.chatId,
        ...(at ? { at } : {}),
        fromMe,
        sender: fromMe ? 'Me' : named(textOf(row.handle, 500)),
        text,
        ...(rowService ? { service: rowService } : {}),
        attachments: attachments.get(row.id) ?? [],
        ...(conversation ? { conversation } : {}),
      };
    });
  };
  const messageSql = `SELECT m.ROWID AS id, j.chat_id AS chatId, m.text AS text, ${body} AS body, m.is_from_me AS fromMe, m.date AS date,
      h.id AS handle, ${service} AS service
    FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id LEFT JOIN handle h ON h.ROWID = m.handle_id`;

  const reader: MessagesReader = {
    conversationCount: () => database.get<{ n: number }>('SELECT COUNT(*) AS n FROM chat')?.n ?? 0,
    conversations: (offset, limit) => database.all<Parameters<typeof toConversation>[0]>(`${conversationSql} ORDER BY last DESC, c.ROWID LIMIT ? OFFSET ?`, limit, offset).map(toConversation),
    conversation(chatId) {
      const row = database.get<Parameters<typeof toConversation>[0]>(`${conversationSql} WHERE c.ROWID = ?`, chatId);
      return row ? toConversation(row) : undefined;
    },
    messageCount: (chatId) =>
      chatId === undefined
        ? database.get<{ n: number }>('SELECT COUNT(*) AS n FROM chat_message_join')?.n ?? 0
        : database.get<{ n: number }>('SELECT COUNT(*) AS n FROM chat_message_join WHERE chat_id = ?', chatId)?.n ?? 0,
    messages: (chatId, offset, limit) =>
      chatId === undefined
        ? toMessages(database.all<MessageSqlRow>(`${messageSql} ORDER BY j.chat_id, m.date, m.ROWID LIMIT ? OFFSET ?`, limit, offset))
        : toMessages(database.all<MessageSqlRow>(`${messageSql} WHERE j.chat_id = ? ORDER BY ${joinDate}, m.ROWID LIMIT ? OFFSET ?`, chatId, limit, offset)),
    search(text, limit) {
      const rows = database.all<MessageSqlRow>(`${messageSql} WHERE m.text LIKE ? ESCAPE '\\' ORDER BY m.date DESC LIMIT ?`, `%${escapeLike(text)}%`, limit + 1);
      const titles = new Map<number, string>();
      for (const chatId of new Set(rows.map((row) => row.chatId))) titles.set(chatId, reader.conversation(chatId)?.title ?? '');
      return { rows: toMessages(rows.slice(0, limit), titles), more: rows.length > limit };
    },
    close: () => database.close(),
  };
  return reader;
}

/**
 * The text of `message.attributedBody` (an NSAttributedString in Apple's typedstream archive), which
 * iOS 16+ fills instead of `text` for some messages: the string follows the `NSString` class name,
 * after five bytes of typedstream bookkeeping, as a length (one byte, or 0x81 and two bytes LE).
 */
export function attributedBodyText(value: unknown): string {
  if (!(value instanceof Uint8Array)) return '';
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const marker = bytes.indexOf('NSString');
  if (marker < 0) return '';
  let at = marker + 'NSString'.length + 5;
  let length = bytes[at];
  if (length === undefined) return '';
  at += 1;
  if (length === 0x81) {
    if (at + 2 > bytes.length) return '';
    length = bytes.readUInt16LE(at);
    at += 2;
  }
  return bytes.subarray(at, Math.min(bytes.length, at + length)).toString('utf8');
}
