/**
 * The backup browser in a person's words (issue 15, item 2): Photos, Messages, Contacts, Call
 * history, Notes, Voicemail, Safari and Apps read from the databases inside a backup, with export.
 * Models and argument schemas for the `library:*` channels; contract.ts lists the channels.
 */
import { z } from 'zod';

/** The top level of the browser; `files` is "Advanced: files by domain" (the paths view). */
export const LIBRARY_SECTIONS = ['photos', 'messages', 'contacts', 'calls', 'notes', 'voicemail', 'safari', 'apps'] as const;
export type LibrarySection = (typeof LIBRARY_SECTIONS)[number];

/** Lists that come a page at a time. */
const LIBRARY_VIEWS = ['conversations', 'messages', 'contacts', 'calls', 'notes', 'photos', 'safari', 'bookmarks', 'voicemail', 'apps'] as const;
export type LibraryView = (typeof LIBRARY_VIEWS)[number];

const LIBRARY_EXPORTS = ['messages-csv', 'conversation-html', 'contacts-csv', 'contacts-vcard', 'calls-csv', 'photos-originals'] as const;
export type LibraryExportFormat = (typeof LIBRARY_EXPORTS)[number];

export interface LibraryCategoryView {
  readonly section: LibrarySection;
  /** Conversations, contacts, calls, notes, photos, voicemails, visits or apps; 0 when the backup has none. */
  readonly count: number;
  /** Why the section cannot be shown (a damaged database), as a sentence; the rest still work. */
  readonly problem?: string;
}

export interface LibraryOverview {
  readonly categories: readonly LibraryCategoryView[];
}

/** A file in the backup named by `Domain/relative/path`; thumbnails and exports take it back. */
export interface MediaRefView {
  readonly ref: string;
  readonly name: string;
  readonly sizeBytes: number;
  /** JPEG, PNG, GIF or HEIC: a picture `library:thumbnail` can show (a HEIC as a JPEG thumbnail). */
  readonly image: boolean;
  /** The database names it but the backup does not hold it. */
  readonly missing: boolean;
}

export interface ConversationRow {
  readonly kind: 'conversation';
  readonly id: number;
  /** The group's name, else its people by contact name, else their numbers. */
  readonly title: string;
  readonly participants: readonly string[];
  readonly messages: number;
  /** ISO-8601. */
  readonly lastAt?: string;
}

export interface MessageRow {
  readonly kind: 'message';
  readonly id: number;
  readonly chatId: number;
  readonly at?: string;
  readonly fromMe: boolean;
  /** "Me", a contact's name, or the number or address. */
  readonly sender: string;
  readonly text: string;
  readonly service?: string;
  readonly attachments: readonly MediaRefView[];
  /** The conversation's title (search results only). */
  readonly conversation?: string;
}

export interface LabeledValue {
  readonly label: string;
  readonly value: string;
}

export interface ContactRow {
  readonly kind: 'contact';
  readonly id: number;
  readonly name: string;
  readonly first?: string;
  readonly last?: string;
  readonly organization?: string;
  readonly phones: readonly LabeledValue[];
  readonly emails: readonly LabeledValue[];
  readonly note?: string;
}

export interface CallRow {
  readonly kind: 'call';
  readonly id: number;
  readonly at?: string;
  /** A contact's name, the name the phone kept, or the number. */
  readonly who: string;
  readonly number: string;
  readonly direction: 'outgoing' | 'incoming' | 'missed';
  readonly service: 'phone' | 'facetime-video' | 'facetime-audio' | 'other';
  readonly durationSeconds: number;
}

export interface NoteRow {
  readonly kind: 'note';
  readonly id: number;
  readonly title: string;
  readonly snippet: string;
  readonly modifiedAt?: string;
  readonly folder?: string;
  /** Locked with a password in Notes: its text is encrypted and not shown. */
  readonly locked: boolean;
}

export interface PhotoRow {
  readonly kind: 'photo';
  readonly id: number;
  readonly media: 'photo' | 'video' | 'screenshot' | 'live-photo';
  readonly takenAt?: string;
  readonly width?: number;
  readonly height?: number;
  /** The picture (or the video for a video). */
  readonly file: MediaRefView;
  /** The motion part of a Live Photo: the `.MOV` beside the picture. */
  readonly video?: MediaRefView;
}

export interface VisitRow {
  readonly kind: 'visit';
  readonly id: number;
  readonly title: string;
  readonly url: string;
  readonly at?: string;
}

export interface VoicemailRow {
  readonly kind: 'voicemail';
  readonly id: number;
  readonly who: string;
  readonly number: string;
  readonly at?: string;
  readonly durationSeconds: number;
  readonly audio?: MediaRefView;
}

export interface AppRow {
  readonly kind: 'app';
  readonly bundleId: string;
  /** From iTunesMetadata's itemName or the bundle's display name; the bundle id when neither is there. */
  readonly name: string;
  readonly version?: string;
  readonly publisher?: string;
  /** `data:image/png;base64,…` from Info.plist's PlaceholderIcon, when the backup holds it. */
  readonly iconDataUrl?: string;
  readonly files: number;
  readonly sizeBytes: number;
  /** Its domains, for "Advanced: files by domain". */
  readonly domains: readonly string[];
}

/** A Safari bookmark (Bookmarks.db), in its folder's order; the Safari section shows them beside the history. */
export interface BookmarkRow {
  readonly kind: 'bookmark';
  readonly id: number;
  readonly title: string;
  readonly url: string;
  /** Its folder's name: Favorites, Reading List, or one the person made. */
  readonly folder?: string;
}

export type LibraryRow = ConversationRow | MessageRow | ContactRow | CallRow | NoteRow | PhotoRow | VisitRow | BookmarkRow | VoicemailRow | AppRow;

export interface LibraryPage {
  readonly view: LibraryView;
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly LibraryRow[];
}

export interface NoteView {
  readonly id: number;
  readonly title: string;
  /** The note's whole text; empty for a locked note. */
  readonly text: string;
  readonly locked: boolean;
  readonly modifiedAt?: string;
}

export interface LibraryThumbnailView {
  readonly ref: string;
  readonly dataUrl?: string;
}

/** People and message text matching a search (issue 15: search finds people, not only paths). */
export interface LibraryFindView {
  readonly query: string;
  readonly contacts: readonly ContactRow[];
  readonly messages: readonly MessageRow[];
  readonly notes: readonly NoteRow[];
  /** Some list stopped at the limit. */
  readonly more: boolean;
  /** Sections that could not be searched, as sentences. */
  readonly problems: readonly string[];
}

export interface LibraryExportResult {
  /** The file or folder written. */
  readonly path: string;
  readonly files: number;
  readonly bytes: number;
  /** Rows written (messages, contacts, calls) or items exported. */
  readonly items: number;
  /** Attachments or photos the backup lists but does not hold. */
  readonly missing: number;
}

const id = z.string().min(1).max(512);
const folder = z.string().min(1).max(4096);
const ref = z.string().min(1).max(4096);

export const libraryOverviewArgs = z.object({ sessionId: id }).strict();
export const libraryPageArgs = z
  .object({
    sessionId: id,
    view: z.enum(LIBRARY_VIEWS),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(2000).optional(),
    /** The conversation, for `messages`. */
    chatId: z.number().int().min(0).optional(),
    /** Narrows `contacts` to names, numbers and addresses containing it. */
    query: z.string().max(512).optional(),
  })
  .strict();
export const libraryNoteArgs = z.object({ sessionId: id, noteId: z.number().int().min(0) }).strict();
export const libraryThumbnailArgs = z.object({ sessionId: id, ref }).strict();
export const libraryFindArgs = z.object({ sessionId: id, query: z.string().min(1).max(512), limit: z.number().int().min(1).max(1000).optional() }).strict();
export const libraryExportArgs = z
  .object({
    sessionId: id,
    format: z.enum(LIBRARY_EXPORTS),
    /** An absolute folder on this computer; the export is a new file or folder inside it. */
    destination: folder,
    /** The conversation, for `conversation-html` (and to narrow `messages-csv`). */
    chatId: z.number().int().min(0).optional(),
    /** Photos rows to export; all of them when absent. */
    photoIds: z.array(z.number().int().min(0)).max(100_000).optional(),
  })
  .strict();
