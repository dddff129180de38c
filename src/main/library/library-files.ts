import type { MediaRefView } from '../../shared/contract-library';
import { BackupError } from '../backup/backup-error';
import type { BackupBrowser, BrowserEntry } from '../browser';

/**
 * Where the phone keeps what the library shows (protocol-notes.md "App data at real paths"), and
 * reading those files out of a backup (decrypted when it is encrypted) within a size budget.
 */
export const KNOWN_FILES = {
  messages: { domain: 'HomeDomain', path: 'Library/SMS/sms.db', what: 'The Messages database (sms.db)' },
  contacts: { domain: 'HomeDomain', path: 'Library/AddressBook/AddressBook.sqlitedb', what: 'The Contacts database (AddressBook.sqlitedb)' },
  calls: { domain: 'HomeDomain', path: 'Library/CallHistoryDB/CallHistory.storedata', what: 'The call history database (CallHistory.storedata)' },
  notes: { domain: 'AppDomainGroup-group.com.apple.notes', path: 'NoteStore.sqlite', what: 'The Notes database (NoteStore.sqlite)' },
  photos: { domain: 'CameraRollDomain', path: 'Media/PhotoData/Photos.sqlite', what: 'The Photos library (Photos.sqlite)' },
  safari: { domain: 'HomeDomain', path: 'Library/Safari/History.db', what: 'The Safari history (History.db)' },
  bookmarks: { domain: 'HomeDomain', path: 'Library/Safari/Bookmarks.db', what: 'The Safari bookmarks (Bookmarks.db)' },
  voicemail: { domain: 'HomeDomain', path: 'Library/Voicemail/voicemail.db', what: 'The voicemail database (voicemail.db)' },
} as const;

export type KnownFile = keyof typeof KNOWN_FILES;

/**
 * The largest database read into memory. A phone's sms.db reaches a few hundred MB after years;
 * SQLite copies the image once more, so this bounds the reader thread at about 2 GB.
 */
export const MAX_DATABASE_BYTES = 1024 * 1024 * 1024;

/** The plaintext of `entry` when it is a regular file of at most `maxBytes`. */
export async function readEntry(browser: BackupBrowser, entry: BrowserEntry, maxBytes: number, what: string): Promise<Buffer> {
  if (entry.kind !== 'file') throw new BackupError('corrupt', `${what} is not a regular file in this backup.`);
  if (entry.size > maxBytes) {
    throw new BackupError('unsupported', `${what} is ${Math.round(entry.size / 1e6)} MB, more than the ${Math.round(maxBytes / 1e6)} MB Lifeboat reads at once; extract it from "Advanced: files by domain" instead.`);
  }
  const chunks: Buffer[] = [];
  // openFile never yields more than the size the file list records (store/backup-content.ts).
  for await (const chunk of browser.openFile(entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The known database's bytes, or undefined when the backup does not hold it. */
export async function readKnownFile(browser: BackupBrowser, file: KnownFile): Promise<Buffer | undefined> {
  const known = KNOWN_FILES[file];
  const entry = browser.entry(known.domain, known.path);
  if (!entry) return undefined;
  if (!browser.hasContent(entry)) throw new BackupError('not-found', `${known.what} is listed in this backup but its file is missing, so this section cannot be shown.`);
  return readEntry(browser, entry, MAX_DATABASE_BYTES, known.what);
}

/** Pictures the UI can show a thumbnail of: as they are, or (HEIC) as a JPEG the core decodes. */
const IMAGE_NAME = /\.(jpe?g|png|gif|hei[cf])$/i;

/** A ref is `Domain/relative/path`: domains never hold a slash (protocol.md §5.8). */
function refOf(domain: string, relativePath: string): string {
  return `${domain}/${relativePath}`;
}

export function parseRef(ref: string): { readonly domain: string; readonly relativePath: string } {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new BackupError('not-found', 'That file is not in this backup.');
  return { domain: ref.slice(0, slash), relativePath: ref.slice(slash + 1) };
}

/** What the UI needs to show (and later fetch) a file the databases name. */
export function mediaRef(browser: BackupBrowser, domain: string, relativePath: string, fallbackName?: string): MediaRefView {
  const entry = browser.entry(domain, relativePath);
  const name = fallbackName || relativePath.slice(relativePath.lastIndexOf('/') + 1) || relativePath;
  let missing = entry === undefined || entry.kind !== 'file';
  if (!missing && entry) {
    try {
      missing = !browser.hasContent(entry);
    } catch {
      missing = true;
    }
  }
  return { ref: refOf(domain, relativePath), name, sizeBytes: entry?.size ?? 0, image: IMAGE_NAME.test(relativePath), missing };
}

/**
 * Where an sms.db attachment lives: `filename` is `~/Library/SMS/Attachments/…` (or the absolute
 * `/var/mobile/Library/SMS/…`), which a backup keeps in MediaDomain.
 */
export function attachmentPath(filename: string): { readonly domain: string; readonly relativePath: string } | undefined {
  const match = /^(?:~|\/var\/mobile|\/private\/var\/mobile)\/(Library\/SMS\/.+)$/.exec(filename);
  if (!match?.[1] || match[1].split('/').some((part) => part === '..' || part === '.' || part === '')) return undefined;
  return { domain: 'MediaDomain', relativePath: match[1] };
}
