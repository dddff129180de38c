import type { CallRow, LibraryCategoryView, LibrarySection, PhotoRow } from '../../../shared/contract';
import type { LibraryPlace } from '../../store/store-types';

/** The browser's sections as a person names them, in the order the phone's own apps suggest. */
export const SECTION_TITLES: { readonly [Place in LibraryPlace]: string } = {
  overview: 'Overview',
  photos: 'Photos',
  messages: 'Messages',
  contacts: 'Contacts',
  calls: 'Call history',
  notes: 'Notes',
  voicemail: 'Voicemail',
  safari: 'Safari',
  apps: 'Apps',
  files: 'Advanced: files by domain',
};

const COUNTED: { readonly [Section in LibrarySection]: readonly [string, string] } = {
  photos: ['photo or video', 'photos and videos'],
  messages: ['conversation', 'conversations'],
  contacts: ['contact', 'contacts'],
  calls: ['call', 'calls'],
  notes: ['note', 'notes'],
  voicemail: ['voicemail', 'voicemails'],
  safari: ['visited page', 'visited pages'],
  apps: ['app', 'apps'],
};

/** "12 conversations", "No contacts", or why the section cannot be shown. */
export function categoryWords(category: LibraryCategoryView): string {
  if (category.problem) return 'Cannot be read';
  const [one, many] = COUNTED[category.section];
  if (category.count === 0) return `No ${many}`;
  return `${category.count.toLocaleString()} ${category.count === 1 ? one : many}`;
}

export function counted(count: number, one: string, many: string): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** 75 → "1:15", 3700 → "1:01:40". */
export function duration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

export function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

export const CALL_WORDS: { readonly [Direction in CallRow['direction']]: string } = { outgoing: 'Outgoing', incoming: 'Incoming', missed: 'Missed' };
export const SERVICE_WORDS: { readonly [Service in CallRow['service']]: string } = { phone: 'Phone', 'facetime-video': 'FaceTime video', 'facetime-audio': 'FaceTime audio', other: 'Call' };
export const MEDIA_WORDS: { readonly [Media in PhotoRow['media']]: string } = { photo: 'Photo', video: 'Video', screenshot: 'Screenshot', 'live-photo': 'Live Photo' };
