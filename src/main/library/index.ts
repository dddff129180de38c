/**
 * The backup browser in a person's words (issue 15): Messages, Contacts, Call history, Notes,
 * Photos, Voicemail, Safari and Apps read from the app databases inside a backup, with exports.
 */
export { closeLibrary, LONG_LIBRARY_CALLS, runLibraryCall, type LibraryCallKind, type LibraryCalls } from './library-calls';
export { HEIC_PICTURE_TYPE, LibrarySession } from './library-session';
export { exportFromLibrary, type ExportRequest } from './library-export';
