import type { ConversationRow, MessageRow } from '../../shared/contract-library';
import type { BackupBrowser } from '../browser';
import { appleDate, type AppDatabase, listLength, numberOf, openAppDatabase, textOf } from './app-database';
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

/** Names shown for a group conversation: beyond this the title is long enough. */
const MAX_PARTICIPANTS = 50;

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

  // Large databases (issue 15): each list's order and each conversation's count and last date are
  // worked out once, on first use (app-database.ts `materialize`); every page then reads its own rows.
  let participantsByChat: Map<number, string[]> | undefined;
  const participantsOf = (chatId: number, identifier: string): string[] => {
    if (!database.hasTable('chat_handle_join')) return identifier ? [identifier] : [];
    if (!participantsByChat) {
      participantsByChat = new Map();
      for (const row of database.all<{ chatId: number; id: unknown }>('SELECT j.chat_id AS chatId, h.id AS id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id ORDER BY j.chat_id')) {
        const list = participantsByChat.get(row.chatId) ?? [];
        const handle = textOf(row.id, 500);
        if (handle && list.length < MAX_PARTICIPANTS) list.push(handle);
        participantsByChat.set(row.chatId, list);
      }
    }
    const list = participantsByChat.get(chatId) ?? [];
    return list.length > 0 ? list : identifier ? [identifier] : [];
  };
  const toConversation = (row: { id: number; identifier: unknown; name: unknown; messages: number; last: unknown }): ConversationRow => {
    const identifier = textOf(row.identifier, 500);
    const participants = participantsOf(row.id, identifier).map(named);
    const title = textOf(row.name, 500) || participants.join(', ') || identifier || 'Conversation';
    const lastAt = appleDate(row.last);
    return { kind: 'conversation', id: row.id, title, participants, messages: numberOf(row.messages), ...(lastAt ? { lastAt } : {}) };
  };
  const joinsWithMessage = `FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id`;
  /** Conversations newest first, each with its message count and last date. */
  const conversationOrder = (): string =>
    database.materialize('conversations', ['chat_id', 'messages', 'last'],
      `SELECT c.ROWID, COALESCE(s.messages, 0), s.last FROM chat c
       LEFT JOIN (SELECT j.chat_id AS chat_id, COUNT(*) AS messages, MAX(${joinDate}) AS last ${joinsWithMessage} GROUP BY j.chat_id) s ON s.chat_id = c.ROWID
       ORDER BY s.last DESC, c.ROWID`, ['chat_id']);
  const conversationSql = (): string => `SELECT c.ROWID AS id, c.chat_identifier AS identifier, ${displayName} AS name, o.messages AS messages, o.last AS last
    FROM ${conversationOrder()} o JOIN chat c ON c.ROWID = o.chat_id`;
  /** Every message by conversation, oldest first in each: a conversation's messages are one run of positions. */
  const messageOrder = (): string => database.materialize('messages', ['chat_id', 'message_id'], `SELECT j.chat_id, j.message_id ${joinsWithMessage} ORDER BY j.chat_id, ${joinDate}, m.ROWID`);
  let runs: Map<number, { readonly first: number; readonly count: number }> | undefined;
  /** Where each conversation's run of messages starts in messageOrder, and its length. */
  const runOf = (chatId: number): { readonly first: number; readonly count: number } => {
    if (!runs) {
      runs = new Map();
      for (const row of database.all<{ chatId: number; first: number; count: number }>(`SELECT chat_id AS chatId, MIN(position) AS first, COUNT(*) AS count FROM ${messageOrder()} GROUP BY chat_id`)) {
        runs.set(row.chatId, { first: row.first, count: row.count });
      }
    }
    return runs.get(chatId) ?? { first: 1, count: 0 };
  };

  const attachmentsOf = (messageIds: readonly number[]): Map<number, MessageRow['attachments'][number][]> => {
    const byMessage = new Map<number, MessageRow['attachments'][number][]>();
    if (!withAttachments || messageIds.length === 0) return byMessage;
    // A copy indexed by message: a phone's own index on the join is not something to count on.
    const joins = database.materialize('attachments', ['message_id', 'attachment_id'], 'SELECT message_id, attachment_id FROM message_attachment_join', ['message_id']);
    // In the order they were added, sorted here: the page's few attachments, not a sort in SQLite.
    const rows = database.all<{ messageId: number; attachmentId: number; filename: unknown; name: unknown }>(
      `SELECT j.message_id AS messageId, a.ROWID AS attachmentId, a.filename AS filename, ${transferName} AS name FROM ${joins} j JOIN attachment a ON a.ROWID = j.attachment_id
       WHERE j.message_id IN (${messageIds.map(() => '?').join(',')})`,
      ...messageIds,
    ).sort((a, b) => a.attachmentId - b.attachmentId);
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
  const messageColumns = `SELECT m.ROWID AS id, j.chat_id AS chatId, m.text AS text, ${body} AS body, m.is_from_me AS fromMe, m.date AS date,
      h.id AS handle, ${service} AS service`;
  const messageSql = `${messageColumns} FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id LEFT JOIN handle h ON h.ROWID = m.handle_id`;
  /** Messages at positions first…last of messageOrder. */
  const messagesAt = (first: number, last: number): MessageRow[] =>
    last < first ? [] : toMessages(database.all<MessageSqlRow>(
      `${messageColumns} FROM ${messageOrder()} j JOIN message m ON m.ROWID = j.message_id LEFT JOIN handle h ON h.ROWID = m.handle_id
       WHERE j.position BETWEEN ? AND ? ORDER BY j.position`, first, last));

  const reader: MessagesReader = {
    conversationCount: () => listLength(database, conversationOrder()),
    conversations: (offset, limit) => database.all<Parameters<typeof toConversation>[0]>(`${conversationSql()} WHERE o.position BETWEEN ? AND ? ORDER BY o.position`, offset + 1, offset + limit).map(toConversation),
    conversation(chatId) {
      const row = database.get<Parameters<typeof toConversation>[0]>(`${conversationSql()} WHERE o.chat_id = ?`, chatId);
      return row ? toConversation(row) : undefined;
    },
    messageCount: (chatId) => (chatId === undefined ? listLength(database, messageOrder()) : runOf(chatId).count),
    messages(chatId, offset, limit) {
      if (chatId === undefined) return messagesAt(offset + 1, offset + limit);
      const run = runOf(chatId);
      return messagesAt(run.first + offset, run.first + Math.min(run.count, offset + limit) - 1);
    },
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
