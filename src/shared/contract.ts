/**
 * The typed contract between the UI and the app core (docs/architecture.md "contract"): every
 * request the renderer may make (`InvokeChannels`) and every event main pushes (`EventChannels`),
 * with a zod schema per argument. The Electron IPC adapter, the preload, the web bridge and the
 * MainApi facade are all typed from these maps, and the allowlists below are derived from them.
 * Changes here are additive only: the Electron shell and the renderer are built against it.
 */
import type { z } from 'zod';
import type { AppError } from './app-error';
import * as schemas from './contract-schemas';
import * as librarySchemas from './contract-library';
import type * as lib from './contract-library';
import type * as devices from './contract-device-models';
import type * as jobs from './contract-job-models';
import type * as m from './contract-models';

export * from './contract-device-models';
export * from './contract-job-models';
export * from './contract-models';
export * from './app-error';
export * from './contract-library';
export { redactArgs, SECRET_FIELDS } from './contract-schemas';

/** Channel → its argument schema. The single source of channel names. */
const INVOKE_SCHEMAS = {
  'app:info': schemas.noArgs,
  'devices:list': schemas.noArgs,
  'devices:refresh': schemas.udidArgs,
  'devices:pair': schemas.pairArgs,
  'devices:set-wifi': schemas.wifiConnectionsArgs,
  'backup:start': schemas.backupStartArgs,
  'backup:cancel': schemas.jobIdArgs,
  'jobs:list': schemas.noArgs,
  'backups:list': schemas.backupsListArgs,
  'backups:verify': schemas.backupsVerifyArgs,
  'reads:cancel': schemas.readCancelArgs,
  'backups:delete': schemas.backupIdArgs,
  'backups:archive': schemas.backupIdArgs,
  'backups:reveal': schemas.backupIdArgs,
  'settings:get': schemas.noArgs,
  'settings:set': schemas.settingsSetArgs,
  'device-settings:set': schemas.deviceSettingsSetArgs,
  'encryption:get': schemas.udidArgs,
  'encryption:set': schemas.encryptionSetArgs,
  'encryption:change-password': schemas.encryptionChangePasswordArgs,
  'restore:preflight': schemas.restorePreflightArgs,
  'restore:start': schemas.restoreStartArgs,
  'restore:cancel': schemas.jobIdArgs,
  'restore:candidates': schemas.restoreCandidatesArgs,
  'photos:import': schemas.photosImportArgs,
  'photos:cancel': schemas.jobIdArgs,
  'browser:open': schemas.browserOpenArgs,
  'browser:list': schemas.browserListArgs,
  'browser:search': schemas.browserSearchArgs,
  'browser:extract': schemas.browserExtractArgs,
  'browser:close': schemas.browserCloseArgs,
  'browser:preview': schemas.browserPreviewArgs,
  'passwords:pending': schemas.noArgs,
  'passwords:provide': schemas.passwordProvideArgs,
  'passwords:cancel': schemas.passwordCancelArgs,
  'passwords:remember': schemas.passwordRememberArgs,
  'passwords:forget': schemas.udidArgs,
  'passwords:status': schemas.udidArgs,
  'folders:list': schemas.foldersListArgs,
  'folders:pick': schemas.foldersPickArgs,
  'settings:change-backup-root': schemas.backupRootChangeArgs,
  'library:overview': librarySchemas.libraryOverviewArgs,
  'library:page': librarySchemas.libraryPageArgs,
  'library:note': librarySchemas.libraryNoteArgs,
  'library:thumbnail': librarySchemas.libraryThumbnailArgs,
  'library:find': librarySchemas.libraryFindArgs,
  'library:export': librarySchemas.libraryExportArgs,
} as const;

type Schemas = typeof INVOKE_SCHEMAS;

/** What each channel resolves with. */
interface InvokeResults {
  'app:info': m.AppInfo;
  'devices:list': readonly devices.DeviceView[];
  'devices:refresh': devices.DeviceView;
  'devices:pair': devices.DeviceView;
  'devices:set-wifi': devices.DeviceView;
  'backup:start': jobs.JobStarted;
  'backup:cancel': { readonly cancelled: boolean };
  'jobs:list': readonly jobs.JobProgress[];
  'backups:list': readonly m.BackupView[];
  'backups:verify': m.VerifyReport;
  /** Stops a verify or a browser:open started with this readId (it fails with `cancelled`); false when none is running. */
  'reads:cancel': { readonly cancelled: boolean };
  'backups:delete': { readonly deleted: boolean };
  'backups:archive': m.BackupView;
  /** The folder to show; the Electron shell opens it, the browser shows the path. */
  'backups:reveal': { readonly path: string; readonly revealed: boolean };
  'settings:get': m.SettingsView;
  'settings:set': m.SettingsView;
  'device-settings:set': devices.DeviceSettingsView;
  'encryption:get': devices.EncryptionView;
  'encryption:set': devices.EncryptionView;
  'encryption:change-password': devices.EncryptionView;
  'restore:preflight': m.RestorePreflightView;
  'restore:start': jobs.JobStarted;
  'restore:cancel': { readonly cancelled: boolean };
  'restore:candidates': m.RestoreCandidatesView;
  'photos:import': jobs.PhotoImportResult;
  'photos:cancel': { readonly cancelled: boolean };
  'browser:open': m.BrowserSessionView;
  'browser:list': m.BrowserPage;
  'browser:search': m.BrowserPage;
  'browser:extract': m.ExtractResult;
  'browser:close': { readonly closed: boolean };
  'browser:preview': m.BrowserPreviewView;
  /** Password requests still waiting (a window opened late, or reloaded, shows them). */
  'passwords:pending': readonly m.PasswordRequestView[];
  /** Answers a request; the request settles (password:settled) or asks again with `problem`. */
  'passwords:provide': { readonly accepted: boolean };
  'passwords:cancel': { readonly cancelled: boolean };
  /** Remembers a phone's password ahead of time (checked against its newest backup when there is one). */
  'passwords:remember': m.RememberedPasswordView;
  'passwords:forget': m.RememberedPasswordView;
  'passwords:status': m.RememberedPasswordView;
  /** Sub-folders for the web folder chooser, confined to home, removable disks and folders in use. */
  'folders:list': m.FolderListingView;
  /** The desktop app's native folder dialog; in web mode `{ native: false }` (the renderer uses folders:list). */
  'folders:pick': m.FolderPickView;
  /** Changes the backup folder, keeping the old backups listed (`keep`) or moving them there (`move`). */
  'settings:change-backup-root': m.SettingsView;
  /** The browser's top level in a person's words: what each section holds. */
  'library:overview': lib.LibraryOverview;
  'library:page': lib.LibraryPage;
  'library:note': lib.NoteView;
  'library:thumbnail': lib.LibraryThumbnailView;
  'library:find': lib.LibraryFindView;
  'library:export': lib.LibraryExportResult;
}

export type InvokeChannel = keyof Schemas & keyof InvokeResults;

/** Channel → { args, result }: the shape every adapter is typed from. */
type InvokeChannels = {
  readonly [C in InvokeChannel]: { readonly args: z.input<Schemas[C]>; readonly result: InvokeResults[C] };
};

export type InvokeArgs<C extends InvokeChannel> = InvokeChannels[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeChannels[C]['result'];

/** Events main pushes to every window. */
export interface EventChannels {
  'devices:changed': m.DevicesChanged;
  'backups:changed': m.BackupsChanged;
  'settings:changed': m.SettingsView;
  'job:progress': jobs.JobProgress;
  'job:finished': jobs.JobFinished;
  notify: m.NoticeView;
  'password:needed': m.PasswordRequestView;
  'password:settled': m.PasswordSettled;
  /** Moving the backups to a new backup folder (settings:change-backup-root with `move`). */
  'settings:move-progress': m.BackupMoveProgress;
}

export type EventChannel = keyof EventChannels;

/** The allowlists the preload and the bridge check every message against. */
export const INVOKE_CHANNELS = Object.keys(INVOKE_SCHEMAS) as readonly InvokeChannel[];
export const EVENT_CHANNELS: readonly EventChannel[] = ['devices:changed', 'backups:changed', 'settings:changed', 'job:progress', 'job:finished', 'notify', 'password:needed', 'password:settled', 'settings:move-progress'];

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(INVOKE_SCHEMAS, value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && (EVENT_CHANNELS as readonly string[]).includes(value);
}

/** Parses a channel's arguments; throws a ZodError the core turns into `invalid-argument`. */
export function parseInvokeArgs<C extends InvokeChannel>(channel: C, args: unknown): z.output<Schemas[C]> {
  return INVOKE_SCHEMAS[channel].parse(args ?? {}) as z.output<Schemas[C]>;
}

/**
 * What crosses the wire for an invoke: never a thrown Error (Electron would flatten it to a
 * string), always this envelope, so the facade can rethrow the AppError with its code.
 */
export type InvokeEnvelope<C extends InvokeChannel = InvokeChannel> =
  | { readonly ok: true; readonly value: InvokeResult<C> }
  | { readonly ok: false; readonly error: AppError };

/** The one API the renderer uses, over Electron IPC or the web bridge alike. */
export interface MainApi {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: EventChannels[E]) => void): () => void;
}

/**
 * What the Electron preload exposes as `window.api`: envelopes instead of thrown errors
 * (contextBridge cannot carry custom Error classes), the facade unwraps them.
 */
export interface PreloadApi {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeEnvelope<C>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventChannels[E]) => void): () => void;
}

/** Web bridge wire messages (JSON over the WebSocket). */
export type BridgeClientMessage =
  | { readonly type: 'hello'; readonly token: string }
  | { readonly type: 'invoke'; readonly id: number; readonly channel: InvokeChannel; readonly args: unknown };

export type BridgeServerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly envelope: InvokeEnvelope }
  | { readonly type: 'event'; readonly event: EventChannel; readonly payload: unknown };
