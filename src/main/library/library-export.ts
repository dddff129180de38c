import fs from 'node:fs';
import path from 'node:path';
import type { LibraryExportFormat, LibraryExportResult, MessageRow } from '../../shared/contract-library';
import { BackupError } from '../backup/backup-error';
import { extractFromBackup } from '../browser';
import { CONVERSATION_END, conversationHead, conversationMessage, csvRow, vcardOf } from './export-formats';
import { parseRef } from './library-files';
import type { LibrarySession } from './library-session';

/**
 * Exports from the library into a folder the person chose: CSV of messages, contacts and calls, a
 * vCard file of contacts, a conversation as an HTML page with its attachments beside it, and the
 * original photos. New files and folders are created beside whatever is there (`Contacts (2).vcf`),
 * never over it; files out of the backup go through the browser's confined extraction
 * (browser/extract-files.ts), so a hostile name in a database can never leave the folder.
 */
export interface ExportRequest {
  readonly format: LibraryExportFormat;
  readonly destination: string;
  readonly chatId?: number;
  readonly photoIds?: readonly number[];
}

const PAGE = 1000;

export async function exportFromLibrary(session: LibrarySession, request: ExportRequest): Promise<LibraryExportResult> {
  if (!path.isAbsolute(request.destination)) throw new BackupError('not-found', `Choose a whole folder path to export to (${request.destination} is relative).`);
  const folder = path.resolve(request.destination);
  await onDestination(folder, () => fs.promises.mkdir(folder, { recursive: true }));
  switch (request.format) {
    case 'messages-csv':
      return exportMessagesCsv(session, folder, request.chatId);
    case 'conversation-html':
      if (request.chatId === undefined) throw new BackupError('not-found', 'Choose a conversation to export.');
      return exportConversationHtml(session, folder, request.chatId);
    case 'contacts-csv':
    case 'contacts-vcard':
      return exportContacts(session, folder, request.format === 'contacts-vcard');
    case 'calls-csv':
      return exportCalls(session, folder);
    case 'photos-originals':
      return exportPhotos(session, folder, request.photoIds);
    default:
      throw new BackupError('unsupported', `Lifeboat cannot export ${String(request.format)}.`);
  }
}

/** Writes a new file `<base><extension>` (or `<base> (2)<extension>`…) in `folder` from `lines`. */
async function writeNewFile(folder: string, base: string, extension: string, lines: AsyncIterable<string> | Iterable<string>): Promise<{ file: string; bytes: number }> {
  const { handle, file } = await createNew(folder, base, extension, (target) => fs.promises.open(target, 'wx', 0o644));
  let bytes = 0;
  try {
    for await (const line of lines) {
      const chunk = Buffer.from(line, 'utf8');
      await handle.write(chunk);
      bytes += chunk.length;
    }
  } finally {
    await handle.close();
  }
  return { file, bytes };
}

async function createNew<T>(folder: string, base: string, extension: string, create: (target: string) => Promise<T>): Promise<{ handle: T; file: string }> {
  const safe = safeName(base);
  for (let attempt = 1; attempt < 1000; attempt++) {
    const file = path.join(folder, `${safe}${attempt === 1 ? '' : ` (${attempt})`}${extension}`);
    try {
      return { handle: await create(file), file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new BackupError('io', `Could not write ${file} (${(error as Error).message}).`, { cause: error });
    }
  }
  throw new BackupError('io', `${folder} already holds 999 exports named ${safe}; choose another folder.`);
}

/** A name from a backup (a conversation's title) as one safe file name component. */
function safeName(name: string): string {
  const cleaned = [...name].map((character) => (character.charCodeAt(0) < 0x20 || character === '\u007f' || '/\\:*?"<>|'.includes(character) ? ' ' : character)).join('')
    .replace(/\s+/g, ' ').trim().replace(/^\.+/, '').replace(/[. ]+$/, '');
  const short = [...cleaned].slice(0, 80).join('');
  return short === '' ? 'Export' : short;
}

async function onDestination<T>(target: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('io', `Could not write ${target} (${(error as Error).message}).`, { cause: error });
  }
}

async function exportMessagesCsv(session: LibrarySession, folder: string, chatId: number | undefined): Promise<LibraryExportResult> {
  const reader = await session.messages();
  if (!reader) throw new BackupError('not-found', 'This backup holds no messages.');
  const titles = new Map<number, string>();
  const title = (id: number): string => {
    if (!titles.has(id)) titles.set(id, reader.conversation(id)?.title ?? '');
    return titles.get(id) ?? '';
  };
  let items = 0;
  function* lines(): Generator<string> {
    yield csvRow(['Date', 'Conversation', 'From', 'Direction', 'Text', 'Attachments', 'Service']);
    for (let offset = 0; ; offset += PAGE) {
      const page = reader!.messages(chatId, offset, PAGE);
      for (const message of page) {
        items += 1;
        yield csvRow([message.at ?? '', title(message.chatId), message.sender, message.fromMe ? 'sent' : 'received', message.text, message.attachments.map((attachment) => attachment.name).join('; '), message.service]);
      }
      if (page.length < PAGE) return;
    }
  }
  const base = chatId === undefined ? 'Messages' : `Messages with ${reader.conversation(chatId)?.title ?? 'conversation'}`;
  const { file, bytes } = await writeNewFile(folder, base, '.csv', lines());
  return { path: file, files: 1, bytes, items, missing: 0 };
}

async function exportContacts(session: LibrarySession, folder: string, asVcard: boolean): Promise<LibraryExportResult> {
  const reader = await session.contacts();
  if (!reader) throw new BackupError('not-found', 'This backup holds no contacts.');
  let items = 0;
  function* lines(): Generator<string> {
    if (!asVcard) yield csvRow(['First name', 'Last name', 'Organization', 'Phone numbers', 'E-mail addresses', 'Note']);
    for (const contact of reader!.all()) {
      items += 1;
      const labelled = (values: typeof contact.phones): string => values.map((value) => (value.label ? `${value.label}: ${value.value}` : value.value)).join('; ');
      yield asVcard ? vcardOf(contact) : csvRow([contact.first, contact.last, contact.organization, labelled(contact.phones), labelled(contact.emails), contact.note]);
    }
  }
  const { file, bytes } = await writeNewFile(folder, 'Contacts', asVcard ? '.vcf' : '.csv', lines());
  return { path: file, files: 1, bytes, items, missing: 0 };
}

async function exportCalls(session: LibrarySession, folder: string): Promise<LibraryExportResult> {
  const reader = await session.calls();
  if (!reader) throw new BackupError('not-found', 'This backup holds no call history.');
  let items = 0;
  function* lines(): Generator<string> {
    yield csvRow(['Date', 'Name', 'Number', 'Direction', 'Service', 'Duration (seconds)']);
    for (let offset = 0; ; offset += PAGE) {
      const page = reader!.page(offset, PAGE);
      for (const call of page) {
        items += 1;
        yield csvRow([call.at ?? '', call.who, call.number, call.direction, call.service, call.durationSeconds]);
      }
      if (page.length < PAGE) return;
    }
  }
  const { file, bytes } = await writeNewFile(folder, 'Call history', '.csv', lines());
  return { path: file, files: 1, bytes, items, missing: 0 };
}

async function exportConversationHtml(session: LibrarySession, folder: string, chatId: number): Promise<LibraryExportResult> {
  const reader = await session.messages();
  const conversation = reader?.conversation(chatId);
  if (!reader || !conversation) throw new BackupError('not-found', 'That conversation is not in this backup.');
  const { file: pageFolder } = await createNew(folder, `${conversation.title} (Messages)`, '', (target) => fs.promises.mkdir(target));
  const attachmentsFolder = path.join(pageFolder, 'attachments');
  let files = 1;
  let bytes = 0;
  let missing = 0;
  let items = 0;
  const copyAttachments = async (message: MessageRow): Promise<Array<string | undefined>> => {
    const hrefs: Array<string | undefined> = [];
    for (const [index, attachment] of message.attachments.entries()) {
      if (attachment.missing || attachment.ref === '') {
        missing += 1;
        hrefs.push(undefined);
        continue;
      }
      // One folder per attachment: two pictures called IMG_0001.jpeg never overwrite each other.
      const slot = `${message.id}-${index + 1}`;
      const result = await extractFromBackup(session.browser, parseRef(attachment.ref), path.join(attachmentsFolder, slot));
      files += result.files;
      bytes += result.bytes;
      missing += result.missing.length;
      hrefs.push(result.files > 0 ? `attachments/${slot}/${path.basename(result.destination)}` : undefined);
    }
    return hrefs;
  };
  const subtitle = `${conversation.participants.join(', ')} · ${conversation.messages.toLocaleString('en')} messages · exported by Lifeboat`;
  async function* lines(): AsyncGenerator<string> {
    yield conversationHead(conversation!.title, subtitle);
    for (let offset = 0; ; offset += PAGE) {
      const page = reader!.messages(chatId, offset, PAGE);
      for (const message of page) {
        items += 1;
        const hrefs = await copyAttachments(message);
        yield conversationMessage(message, (index) => hrefs[index]);
      }
      if (page.length < PAGE) break;
    }
    yield CONVERSATION_END;
  }
  const written = await writeNewFile(pageFolder, 'index', '.html', lines());
  return { path: written.file, files, bytes: bytes + written.bytes, items, missing };
}

async function exportPhotos(session: LibrarySession, folder: string, photoIds: readonly number[] | undefined): Promise<LibraryExportResult> {
  const reader = await session.photos();
  const { file: photosFolder } = await createNew(folder, 'Photos', '', (target) => fs.promises.mkdir(target));
  let files = 0;
  let bytes = 0;
  let missing = 0;
  let items = 0;
  const exportRows = async (rows: ReturnType<typeof reader.page>): Promise<void> => {
    for (const row of rows) {
      items += 1;
      for (const media of [row.file, row.video]) {
        if (!media) continue;
        if (media.missing) {
          missing += 1;
          continue;
        }
        const where = parseRef(media.ref);
        // Each DCIM folder keeps its own name, as on the phone: IMG_0001 of 100APPLE and of 101APPLE both survive.
        const dcimFolder = path.posix.basename(path.posix.dirname(where.relativePath));
        const result = await extractFromBackup(session.browser, where, path.join(photosFolder, safeName(dcimFolder)));
        files += result.files;
        bytes += result.bytes;
        missing += result.missing.length;
      }
    }
  };
  if (photoIds) await exportRows(reader.byIds(photoIds));
  else {
    for (let offset = 0; ; offset += PAGE) {
      const page = reader.page(offset, PAGE);
      await exportRows(page);
      if (page.length < PAGE) break;
    }
  }
  return { path: photosFolder, files, bytes, items, missing };
}
