import type { AppRow, LibraryCategoryView, LibraryFindView, LibraryOverview, LibraryPage, LibrarySection, LibraryView, NoteView } from '../../shared/contract-library';
import { BackupError } from '../backup/backup-error';
import type { BackupBrowser } from '../browser';
import { isHeic } from '../photos/heic/heic-probe';
import { readApps } from './apps-reader';
import { type BookmarksReader, openBookmarksReader } from './bookmarks-reader';
import { type CallsReader, openCallsReader } from './calls-reader';
import { type ContactsReader, openContactsReader, type PeopleNames } from './contacts-reader';
import { MAX_DATABASE_BYTES, parseRef, readEntry, readKnownFile } from './library-files';
import { type MessagesReader, openMessagesReader } from './messages-reader';
import { type NotesReader, openNotesReader } from './notes-reader';
import { openPhotosReader, type PhotosReader } from './photos-reader';
import { openSafariReader, type SafariReader } from './safari-reader';
import { openVoicemailReader, type VoicemailReader } from './voicemail-reader';

/**
 * What one open backup shows in a person's words: each app database is read out of the backup
 * (decrypted when encrypted) and opened the first time its section is asked for, then kept until
 * the backup is closed. A damaged or hostile database costs only its own section a sentence.
 * Runs on the backup reader's worker thread (src/main/backup/reader), under its deadline.
 */
export class LibrarySession {
  private contactsReader: Promise<ContactsReader | undefined> | undefined;
  private peopleNames: Promise<PeopleNames | undefined> | undefined;
  private messagesReader: Promise<MessagesReader | undefined> | undefined;
  private callsReader: Promise<CallsReader | undefined> | undefined;
  private notesReader: Promise<NotesReader | undefined> | undefined;
  private photosReader: Promise<PhotosReader> | undefined;
  private safariReader: Promise<SafariReader | undefined> | undefined;
  private bookmarksReader: Promise<BookmarksReader | undefined> | undefined;
  private voicemailReader: Promise<VoicemailReader | undefined> | undefined;
  private appRows: AppRow[] | undefined;

  constructor(readonly browser: BackupBrowser) {}

  contacts(): Promise<ContactsReader | undefined> {
    this.contactsReader ??= readKnownFile(this.browser, 'contacts').then((bytes) => (bytes ? openContactsReader(bytes) : undefined));
    return this.contactsReader;
  }

  /** Contact names for numbers; none (numbers shown as they are) when Contacts cannot be read. */
  names(): Promise<PeopleNames | undefined> {
    this.peopleNames ??= this.contacts().then((reader) => reader?.names(), () => undefined);
    return this.peopleNames;
  }

  messages(): Promise<MessagesReader | undefined> {
    this.messagesReader ??= (async () => {
      const bytes = await readKnownFile(this.browser, 'messages');
      return bytes ? openMessagesReader(bytes, this.browser, await this.names()) : undefined;
    })();
    return this.messagesReader;
  }

  calls(): Promise<CallsReader | undefined> {
    this.callsReader ??= (async () => {
      const bytes = await readKnownFile(this.browser, 'calls');
      return bytes ? openCallsReader(bytes, await this.names()) : undefined;
    })();
    return this.callsReader;
  }

  notes(): Promise<NotesReader | undefined> {
    this.notesReader ??= readKnownFile(this.browser, 'notes').then((bytes) => (bytes ? openNotesReader(bytes) : undefined));
    return this.notesReader;
  }

  photos(): Promise<PhotosReader> {
    this.photosReader ??= readKnownFile(this.browser, 'photos').then((bytes) => openPhotosReader(bytes, this.browser));
    return this.photosReader;
  }

  safari(): Promise<SafariReader | undefined> {
    this.safariReader ??= readKnownFile(this.browser, 'safari').then((bytes) => (bytes ? openSafariReader(bytes) : undefined));
    return this.safariReader;
  }

  bookmarks(): Promise<BookmarksReader | undefined> {
    this.bookmarksReader ??= readKnownFile(this.browser, 'bookmarks').then((bytes) => (bytes ? openBookmarksReader(bytes) : undefined));
    return this.bookmarksReader;
  }

  voicemail(): Promise<VoicemailReader | undefined> {
    this.voicemailReader ??= (async () => {
      const bytes = await readKnownFile(this.browser, 'voicemail');
      return bytes ? openVoicemailReader(bytes, this.browser, await this.names()) : undefined;
    })();
    return this.voicemailReader;
  }

  apps(): AppRow[] {
    this.appRows ??= readApps(this.browser);
    return this.appRows;
  }

  async overview(): Promise<LibraryOverview> {
    const counters: Record<LibrarySection, () => Promise<number>> = {
      photos: async () => (await this.photos()).count(),
      messages: async () => (await this.messages())?.conversationCount() ?? 0,
      contacts: async () => (await this.contacts())?.count() ?? 0,
      calls: async () => (await this.calls())?.count() ?? 0,
      notes: async () => (await this.notes())?.count() ?? 0,
      voicemail: async () => (await this.voicemail())?.count() ?? 0,
      safari: async () => (await this.safari())?.count() ?? 0,
      apps: async () => this.apps().length,
    };
    const categories: LibraryCategoryView[] = [];
    for (const [section, count] of Object.entries(counters) as Array<[LibrarySection, () => Promise<number>]>) {
      try {
        categories.push({ section, count: await count() });
      } catch (error) {
        categories.push({ section, count: 0, problem: sentenceOf(error) });
      }
    }
    return { categories };
  }

  async page(view: LibraryView, offset: number, limit: number, options: { readonly chatId?: number; readonly query?: string } = {}): Promise<LibraryPage> {
    const page = (total: number, rows: LibraryPage['rows']): LibraryPage => ({ view, total, offset, rows });
    switch (view) {
      case 'conversations': {
        const reader = await this.messages();
        return reader ? page(reader.conversationCount(), reader.conversations(offset, limit)) : page(0, []);
      }
      case 'messages': {
        const reader = await this.messages();
        return reader ? page(reader.messageCount(options.chatId), reader.messages(options.chatId, offset, limit)) : page(0, []);
      }
      case 'contacts': {
        const reader = await this.contacts();
        const query = options.query?.trim() || undefined;
        return reader ? page(reader.count(query), reader.page(offset, limit, query)) : page(0, []);
      }
      case 'calls': {
        const reader = await this.calls();
        return reader ? page(reader.count(), reader.page(offset, limit)) : page(0, []);
      }
      case 'notes': {
        const reader = await this.notes();
        return reader ? page(reader.count(), reader.page(offset, limit)) : page(0, []);
      }
      case 'photos': {
        const reader = await this.photos();
        return page(reader.count(), reader.page(offset, limit));
      }
      case 'safari': {
        const reader = await this.safari();
        return reader ? page(reader.count(), reader.page(offset, limit)) : page(0, []);
      }
      case 'bookmarks': {
        const reader = await this.bookmarks();
        return reader ? page(reader.count(), reader.page(offset, limit)) : page(0, []);
      }
      case 'voicemail': {
        const reader = await this.voicemail();
        return reader ? page(reader.count(), reader.page(offset, limit)) : page(0, []);
      }
      case 'apps': {
        const apps = this.apps();
        return page(apps.length, apps.slice(offset, offset + limit));
      }
      default:
        return assertNever(view);
    }
  }

  async note(id: number): Promise<NoteView> {
    const reader = await this.notes();
    if (!reader) throw new BackupError('not-found', 'This backup holds no notes.');
    return reader.note(id);
  }

  /**
   * The bytes of a small picture the databases name (a photo, an attachment); undefined when it is
   * not one. A HEIC is answered as `image/heic`: the core decodes it into a thumbnail on its own thread.
   */
  async picture(ref: string, maxBytes: number): Promise<{ readonly mimeType: string; readonly bytes: Buffer } | undefined> {
    const { domain, relativePath } = parseRef(ref);
    const entry = this.browser.entry(domain, relativePath);
    if (!entry || entry.kind !== 'file' || entry.size > maxBytes || !this.browser.hasContent(entry)) return undefined;
    const bytes = await readEntry(this.browser, entry, Math.min(maxBytes, MAX_DATABASE_BYTES), `${domain}/${relativePath}`);
    const mimeType = pictureType(bytes);
    return mimeType ? { mimeType, bytes } : undefined;
  }

  /** People, message text and notes containing `query`; a section that cannot be read says so and the others still answer. */
  async find(query: string, limit: number): Promise<LibraryFindView> {
    const problems: string[] = [];
    const attempt = async <T>(work: () => Promise<T>, empty: T): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        problems.push(sentenceOf(error));
        return empty;
      }
    };
    const contacts = await attempt(async () => {
      const reader = await this.contacts();
      return reader ? { rows: reader.page(0, limit + 1, query), more: false } : { rows: [], more: false };
    }, { rows: [], more: false });
    const messages = await attempt(async () => (await this.messages())?.search(query, limit) ?? { rows: [], more: false }, { rows: [], more: false });
    const notes = await attempt(async () => (await this.notes())?.search(query, limit) ?? { rows: [], more: false }, { rows: [], more: false });
    return {
      query,
      contacts: contacts.rows.slice(0, limit),
      messages: messages.rows,
      notes: notes.rows,
      more: contacts.rows.length > limit || messages.more || notes.more,
      problems,
    };
  }

  close(): void {
    for (const reader of [this.contactsReader, this.messagesReader, this.callsReader, this.notesReader, this.photosReader, this.safariReader, this.bookmarksReader, this.voicemailReader]) {
      void reader?.then((opened) => opened?.close(), () => undefined);
    }
  }
}

/** JPEG, PNG, GIF or HEIC by their first bytes (a name can lie); undefined for anything else. */
function pictureType(bytes: Buffer): string | undefined {
  if (isHeic(bytes)) return HEIC_PICTURE_TYPE;
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'image/gif';
  return undefined;
}

/** The type `picture` gives a HEIC, which no browser shows as it is. */
export const HEIC_PICTURE_TYPE = 'image/heic';

function sentenceOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertNever(value: never): never {
  throw new BackupError('unsupported', `Unknown list ${String(value)}.`);
}
