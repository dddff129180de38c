import type {
  AppError,
  BackupMoveProgress,
  BackupsUsageView,
  BackupView,
  BrowserEntryView,
  BrowserSessionView,
  ExtractResult,
  DeviceView,
  LibraryExportResult,
  LibraryFindView,
  LibraryOverview,
  LibraryRow,
  LibrarySection,
  LibraryView,
  ConversationRow,
  NoteView,
  JobFinished,
  JobProgress,
  MainApi,
  NoticeView,
  PasswordRequestView,
  RestoreCandidatesView,
  RememberedPasswordView,
  RestorePreflightView,
  SettingsView,
  ThemePreference,
} from '../../shared/contract';

/** The renderer mirrors state that main owns (docs/architecture.md "zustand"): one store, typed slices. */
export interface DevicesState {
  readonly list: readonly DeviceView[];
  readonly selectedUdid: string | undefined;
  readonly loaded: boolean;
  /** Phones whose trust request is in flight. */
  readonly pairing: { readonly [udid: string]: boolean };
}

export interface BackupsState {
  readonly list: readonly BackupView[];
  /** What the backups take on disk, from the core (backups:changed); a total whose backups differ from the list is not shown. */
  readonly usage?: BackupsUsageView;
  /** The action running on a backup row, for disabling its buttons. */
  readonly pending: { readonly [backupId: string]: 'verify' | 'delete' | 'archive' | 'reveal' };
  readonly revealed: { readonly [backupId: string]: string };
}

export interface JobsState {
  readonly active: { readonly [jobId: string]: JobProgress };
  /** The last finished job per phone (what the progress panel shows after it ends). */
  readonly lastFinished: { readonly [udid: string]: JobFinished };
}

export interface SettingsState {
  readonly value: SettingsView | undefined;
  readonly theme: ThemePreference;
  /** Moving the backups to a new backup folder: how far it has got (settings:move-progress). */
  readonly moveProgress?: BackupMoveProgress;
}

export interface RestoreState {
  readonly preflight: RestorePreflightView | undefined;
  /** The restore the wizard started. */
  readonly jobId: string | undefined;
  /** The wizard, when open: for which phone, and the backup to start on. */
  readonly wizard: { readonly udid: string; readonly backupId?: string } | undefined;
  /** The after-reset check per phone. */
  readonly candidates: { readonly [udid: string]: RestoreCandidatesView };
}

export interface PhotosState {
  readonly jobId: string | undefined;
}

export interface BrowserState {
  readonly session: BrowserSessionView | undefined;
  readonly backupId: string | undefined;
  /** The top level: one folder per domain, with its size. */
  readonly domains: readonly BrowserEntryView[];
  /** The folder shown; undefined shows the domains. */
  readonly location: { readonly domain: string; readonly directory: string } | undefined;
  /** A search replaces the folder listing while it is not ''. */
  readonly query: string;
  /** Rows in the listing or search (loaded or not). */
  readonly total: number;
  /** The search found more than SEARCH_LIMIT matches; only the first are shown. */
  readonly more: boolean;
  /** Loaded rows by position; the rest load as they scroll into view. */
  readonly rows: { readonly [index: number]: BrowserEntryView };
  /** Bumped on every new listing, so late pages of an old one are dropped. */
  readonly generation: number;
  readonly selected: { readonly [fileId: string]: BrowserEntryView };
  /** Thumbnails by fileId; null when there is none. */
  readonly previews: { readonly [fileId: string]: string | null };
  readonly extracted: ExtractResult | undefined;
  readonly opening: boolean;
  /** The screen Browse Files was chosen on (the phone's page or Manage Backups): Close goes back there. */
  readonly openedFrom: Exclude<Screen, 'browser'>;
}

/** The browser's top level in a person's words (issue 15); `files` is "Advanced: files by domain". */
export type LibraryPlace = 'overview' | LibrarySection | 'files';

export interface LibraryState {
  readonly place: LibraryPlace;
  /** The session the state below belongs to. */
  readonly sessionId: string | undefined;
  readonly overview: LibraryOverview | undefined;
  /** The paged list on screen: its rows load as the virtual list scrolls to them. */
  readonly view: LibraryView | undefined;
  readonly total: number;
  readonly rows: { readonly [index: number]: LibraryRow };
  /** Bumped with every new list, so late pages of an old one are dropped. */
  readonly generation: number;
  /** Contacts narrowed to this text. */
  readonly filter: string;
  /** The conversation open in Messages. */
  readonly conversation: ConversationRow | undefined;
  readonly note: NoteView | undefined;
  readonly found: LibraryFindView | undefined;
  readonly finding: boolean;
  /** Thumbnails by ref; null when there is none. */
  readonly thumbnails: { readonly [ref: string]: string | null };
  readonly selectedPhotos: { readonly [id: number]: true };
  readonly exported: LibraryExportResult | undefined;
  readonly exporting: boolean;
}

export type Screen = 'device' | 'settings' | 'browser' | 'manage';

/** Where an error shows and what makes it leave (store/error-rules.ts). */
export type ErrorScope =
  /** The phone's state (locked, not trusted…): on that phone's page until the phone changes. */
  | { readonly kind: 'device'; readonly udid: string }
  /** Where the person acted: gone when they navigate away. `udid` is the phone page it was on. */
  | { readonly kind: 'screen'; readonly screen: Screen; readonly udid?: string }
  /** Inside an open dialog only, never also in the page behind it; gone when the dialog closes. */
  | { readonly kind: 'dialog'; readonly dialogId: string };

export interface ShownError {
  readonly id: number;
  readonly error: AppError;
  readonly scope: ErrorScope;
}

export interface UiState {
  readonly notices: readonly NoticeView[];
  readonly connected: boolean;
  /** Failed requests, each shown once, in its scope, as a sentence with its next step. */
  readonly errors: readonly ShownError[];
  /** Open dialogs, innermost last: an error raised while one is open belongs to it. */
  readonly dialogs: readonly string[];
  readonly screen: Screen;
}

export interface PasswordsState {
  /** The core's password requests still waiting, oldest first: the prompt shows the first. */
  readonly requests: readonly PasswordRequestView[];
  /** Requests whose typed password is being tried. */
  readonly submitting: { readonly [requestId: string]: boolean };
  /** Whether a phone's password is remembered, once asked. */
  readonly remembered: { readonly [udid: string]: RememberedPasswordView };
}

export interface AppState {
  readonly devices: DevicesState;
  readonly backups: BackupsState;
  readonly jobs: JobsState;
  readonly settings: SettingsState;
  readonly restore: RestoreState;
  readonly photos: PhotosState;
  readonly browser: BrowserState;
  readonly library: LibraryState;
  readonly ui: UiState;
  readonly passwords: PasswordsState;
  /** The name of the last action (`slice/event`), for debugging and tests. */
  readonly lastAction: string;
}

/** Applies a named change: every state change in the store goes through one of these. */
export type NamedSet = (action: `${keyof Omit<AppState, 'lastAction'>}/${string}`, change: (state: AppState) => Partial<AppState>) => void;

export interface SliceContext {
  readonly api: MainApi;
  readonly set: NamedSet;
  readonly get: () => AppState;
  /** Runs a request; a failure lands in ui.errors (in its scope) instead of throwing. */
  readonly attempt: <T>(work: () => Promise<T>) => Promise<T | undefined>;
}
