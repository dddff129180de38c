import os from 'node:os';
import path from 'node:path';
import { DeviceManager } from '../device/manager';
import {
  type AppError,
  describeAppError,
  type EventChannel,
  type InvokeChannel,
  type InvokeEnvelope,
  type InvokeResult,
  type JobFinished,
  type NoticeView,
  parseInvokeArgs,
} from '../../shared/contract';
import type { Backends } from './backends';
import { BackupRootCheck } from './backup-root-check';
import { BackupScheduler, type SchedulerClock, systemClock } from './backup-scheduler';
import { BackupService } from './backup-service';
import { CancellableReads } from './cancellable-reads';
import { DeviceService } from './device-service';
import { fail, toAppError } from './error-mapping';
import { chooserRoots, listFolders } from './folder-chooser';
import { EventHub, type EventListener } from './event-hub';
import { JobQueue } from './job-queue';
import { PasswordBroker, type RememberedPasswords } from './password-broker';
import { ScheduleLedger } from './schedule-ledger';
import { SettingsStore } from './settings-store';
import { UnlockWatcher } from './unlock-watcher';

interface AppCoreOptions {
  /** USBMUXD_SOCKET_ADDRESS grammar (§1.1); default: the environment, then the platform socket. */
  readonly muxAddress?: string;
  /** Used when the settings file names none. */
  readonly backupRoot?: string;
  /** Default `~/.config/lifeboat/settings.json`. */
  readonly settingsPath?: string;
  /** The engine, catalog and the rest; default: the real ones from src/main/backup. */
  readonly backends?: Backends;
  readonly mode?: 'electron' | 'web';
  readonly version?: string;
  /** Where the core logs one line per failed request (arguments redacted); silent by default. */
  readonly log?: (line: string) => void;
  /**
   * Remembered backup passwords that outlive the app (the desktop app's keychain vault); without
   * it "remember" lasts until the app quits, in this process's memory only.
   */
  readonly passwordVault?: RememberedPasswords;
  /**
   * The desktop app's native folder dialog (Electron's dialog.showOpenDialog); resolves with the chosen
   * folder or undefined when cancelled. Without it folders:pick answers `native: false`.
   */
  readonly pickFolder?: (options: { readonly title?: string; readonly defaultPath?: string }) => Promise<string | undefined>;
  /** The backup schedules' clock; tests pass one they move by hand. Default: the system's. */
  readonly clock?: SchedulerClock;
  /** IANA zone the schedules' times are in; default the computer's own. */
  readonly timeZone?: string;
  /** How the saved backup folder is looked at (asynchronously, with a time-out); tests pass a look that never answers. */
  readonly backupRootCheck?: BackupRootCheck;
}

export interface AppCore {
  /** Parses the arguments with the channel's zod schema, runs it, and returns the result or throws AppErrorException. */
  invoke<C extends InvokeChannel>(channel: C, args: unknown): Promise<InvokeResult<C>>;
  /** The same, but never throws: what the IPC adapter and the web bridge send over the wire. */
  invokeEnvelope<C extends InvokeChannel>(channel: C, args: unknown): Promise<InvokeEnvelope<C>>;
  on<E extends EventChannel>(event: E, listener: EventListener<E>): () => void;
  close(): Promise<void>;
}

type Parsed<C extends InvokeChannel> = ReturnType<typeof parseInvokeArgs<C>>;
type Handlers = { [C in InvokeChannel]: (args: Parsed<C>) => Promise<InvokeResult<C>> };

/**
 * The one implementation of the contract (docs/architecture.md "core"): Electron IPC, the web
 * bridge and the CLI are thin adapters over this object.
 */
export async function createAppCore(options: AppCoreOptions = {}): Promise<AppCore> {
  const backends = options.backends ?? (await import('./real-backends')).createRealBackends();
  const settingsPath = options.settingsPath ?? defaultSettingsPath();
  const settings = new SettingsStore(
    settingsPath,
    options.backupRoot ?? (await import('../backup/store')).resolveBackupRoot(),
    path.join(os.homedir(), 'Pictures', 'Lifeboat'),
  );
  const hub = new EventHub();
  const muxAddress = options.muxAddress ?? process.env.USBMUXD_SOCKET_ADDRESS;
  const manager = new DeviceManager({ muxAddress });
  const jobs = new JobQueue({
    progress: (progress) => hub.emit('job:progress', progress),
    finished: (finished) => onJobFinished(finished),
  });
  // The two services point at each other (devices show last-backup dates, backups refresh the
  // device list), so each reaches the other through a closure evaluated after both exist.
  const unlock = new UnlockWatcher(manager);
  // An automatic backup that needs the password is said once in the window: by the prompt itself,
  // which names it ("An automatic backup of … is waiting"); a toast saying it again behind the modal
  // was a second place for one message. Outside the window the desktop shell's OS notification says it.
  const passwords = new PasswordBroker(hub, options.passwordVault);
  const reads = new CancellableReads();
  const backups: BackupService = new BackupService({
    backends,
    settings,
    hub,
    jobs,
    muxAddress,
    unlock,
    passwords,
    onBackupsChanged: () => devices.publish(),
    deviceName: (udid) => devices.list().find((device) => device.udid === udid)?.name,
    rootCheck: options.backupRootCheck ?? new BackupRootCheck(),
  });
  const devices: DeviceService = new DeviceService({ manager, settings, hub, jobs, lastBackupAt: (udid) => backups.lastBackupAt(udid), knownDevices: () => backups.knownDevices(), nextScheduledBackup: (udid) => scheduler.upcoming(udid), settingsView: () => backups.settingsView() });
  devices.onAutoBackup = async (udid) => {
    backups.start(udid, false, undefined, 'connect');
  };
  const scheduler = new BackupScheduler({
    clock: options.clock ?? systemClock,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    ledger: new ScheduleLedger(path.join(path.dirname(settingsPath), 'schedule-runs.json')),
    schedules: () => Object.entries(settings.get().devices).flatMap(([udid, device]) => (device.schedule ? [[udid, device.schedule] as const] : [])),
    ready: (udid) => manager.get(udid)?.trust === 'trusted',
    busy: (udid) => jobs.activeJobFor(udid) !== undefined,
    lastBackupAt: (udid) => backups.lastBackupAt(udid),
    startBackup: (udid) => {
      hub.emit('notify', notice('info', `Scheduled backup of ${devices.nameOf(udid)} started`, undefined, udid, 'job-started'));
      backups.start(udid, false, undefined, 'schedule');
    },
    // Only while someone has a schedule: the pages' "Next backup" moves on with the clock.
    checked: () => {
      if (Object.values(settings.get().devices).some((device) => device.schedule)) devices.publish();
    },
  });

  function onJobFinished(finished: JobFinished): void {
    hub.emit('job:finished', finished);
    devices.publish();
    const name = devices.nameOf(finished.udid);
    const kindWord = finished.kind === 'backup' ? 'Backup' : finished.kind === 'restore' ? 'Restore' : finished.kind === 'photos-import' ? 'Photo import' : 'Check';
    const what = finished.trigger === 'schedule' ? `Scheduled ${kindWord.toLowerCase()}` : kindWord;
    if (finished.outcome === 'succeeded') hub.emit('notify', notice('success', `${what} of ${name} finished`, notCopiedSentence(finished), finished.udid, 'job-finished'));
    else if (finished.outcome === 'failed') hub.emit('notify', notice('error', `${what} of ${name} failed`, sentence(finished.error), finished.udid, 'job-finished'));
    else hub.emit('notify', notice('info', `${what} of ${name} cancelled`, undefined, finished.udid, 'job-finished'));
    if (finished.kind === 'backup') void manager.refresh(finished.udid).catch(() => undefined);
    // The phone is free again: a slot that came while it was busy, or a backup that failed, may be due.
    scheduler.check();
  }

  const handlers: Handlers = {
    'app:info': async () => ({ name: 'Lifeboat', version: options.version ?? '0.1.0', mode: options.mode ?? 'web', platform: process.platform }),
    'devices:list': async () => devices.list(),
    'devices:refresh': async ({ udid }) => devices.refresh(udid),
    'devices:pair': async ({ udid }) => devices.pair(udid),
    'devices:set-wifi': async ({ udid, enabled }) => devices.setWifiConnections(udid, enabled),
    'backup:start': async ({ udid, full, password }) => backups.startAsked(udid, full ?? false, password),
    'backup:cancel': async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'jobs:list': async () => jobs.list(),
    'backups:list': async ({ udid, includeArchived }) => backups.list(udid, includeArchived ?? true),
    'backups:verify': async ({ backupId, password, readId }) => reads.run(readId, (signal) => backups.verify(backupId, password, signal)),
    'reads:cancel': async ({ readId }) => ({ cancelled: reads.cancel(readId) }),
    'backups:delete': async ({ backupId }) => backups.delete(backupId),
    'backups:archive': async ({ backupId }) => backups.archive(backupId),
    // The folder as listed: showing a snapshot must not materialise it (a copy, for one in an added folder).
    'backups:reveal': async ({ backupId }) => ({ path: await backups.folderOf(backupId), revealed: false }),
    'settings:get': async () => backups.currentSettingsView(),
    'settings:set': async (patch) => backups.updateSettings(patch),
    'device-settings:set': async ({ udid, ...patch }) => {
      const next = devices.updateSettings(udid, patch);
      if (patch.schedule !== undefined) scheduler.scheduleChanged(udid);
      return next;
    },
    'encryption:get': async ({ udid }) => backups.getEncryption(udid),
    'encryption:set': async (args) => {
      const view = await backups.setEncryption(args.udid, args.enabled, args.password);
      void devices.refresh(args.udid).catch(() => undefined);
      return view;
    },
    'encryption:change-password': async (args) => backups.changePassword(args.udid, args.oldPassword, args.newPassword),
    'restore:preflight': async ({ udid, backupId }) => {
      const summary = manager.get(udid)?.summary;
      return backups.restorePreflight(udid, backupId, summary ? { productVersion: summary.productVersion, freeBytes: summary.freeBytes } : undefined);
    },
    'restore:start': async (args) => backups.startRestore(args),
    'restore:cancel': async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'restore:candidates': async ({ udid }) => backups.restoreCandidates(udid),
    'photos:import': async ({ udid, destination, ...conversion }) => backups.startPhotoImport(udid, destination, conversion),
    'photos:cancel': async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'browser:open': async ({ backupId, password, readId }) => reads.run(readId, (signal) => backups.openBrowser(backupId, password, signal)),
    'browser:list': async ({ sessionId, ...rest }) => backups.browser().list(sessionId, rest),
    'browser:search': async ({ sessionId, query, limit }) => backups.browser().search(sessionId, query, limit),
    'browser:extract': async ({ sessionId, fileIds, destination }) => backups.browser().extract(sessionId, fileIds, destination),
    'browser:preview': async ({ sessionId, fileId }) => {
      const browser = backups.browser();
      return browser.preview ? browser.preview(sessionId, fileId) : { fileId };
    },
    'browser:close': async ({ sessionId }) => {
      await backups.browser().close(sessionId);
      return { closed: true };
    },
    'library:overview': async ({ sessionId }) => library().overview(sessionId),
    'library:page': async ({ sessionId, ...rest }) => library().page(sessionId, rest),
    'library:note': async ({ sessionId, noteId }) => library().note(sessionId, noteId),
    'library:thumbnail': async ({ sessionId, ref }) => library().thumbnail(sessionId, ref),
    'library:find': async ({ sessionId, query, limit }) => library().find(sessionId, query, limit),
    'library:export': async ({ sessionId, ...rest }) => library().export(sessionId, rest),
    'passwords:pending': async () => passwords.list(),
    'passwords:provide': async ({ requestId, password, remember }) => ({ accepted: passwords.provide(requestId, password, remember ?? false) }),
    'passwords:cancel': async ({ requestId }) => ({ cancelled: passwords.cancel(requestId) }),
    'passwords:remember': async ({ udid, password }) => backups.rememberPassword(udid, password),
    'passwords:forget': async ({ udid }) => passwords.forget(udid),
    'passwords:status': async ({ udid }) => passwords.status(udid),
    'folders:list': async ({ path: folder }) => {
      const { backupRoot, extraFolders, photoImportFolder } = settings.get();
      const away = backups.unreachableBackupRoot();
      return listFolders(folder, chooserRoots([backupRoot, ...extraFolders, ...(photoImportFolder ? [photoImportFolder] : [])], away), away);
    },
    'folders:pick': async (args) => {
      if (!options.pickFolder) return { native: false };
      const chosen = await options.pickFolder(args);
      return chosen ? { native: true, path: chosen } : { native: true };
    },
    'settings:change-backup-root': async ({ backupRoot, existing }) => backups.changeBackupRoot(backupRoot, existing),
  };

  function library() {
    return backends.library ?? fail('unsupported', 'Reading messages, contacts and photos out of backups is not available in this version.');
  }

  let closed = false;
  async function invoke<C extends InvokeChannel>(channel: C, args: unknown): Promise<InvokeResult<C>> {
    if (closed) fail('disconnected-bridge', 'Lifeboat is shutting down.');
    const handler = handlers[channel] as ((parsed: Parsed<C>) => Promise<InvokeResult<C>>) | undefined;
    if (!handler) fail('invalid-argument', `There is no request named ${String(channel)}.`);
    return handler(parseInvokeArgs(channel, args));
  }

  await backups.open();
  manager.on('attached', (device) => {
    // A phone coming back from its planned restart is the restore going on, not news.
    if (!jobs.isRestarting(device.udid)) hub.emit('notify', notice('info', 'iPhone connected', device.summary.name ? `${device.summary.name} is connected.` : undefined, device.udid, 'connected'));
    devices.publish();
  });
  manager.on('detached', (udid) => {
    // Named from the last list we showed, before the phone leaves it. Leaving for the restart a
    // restore asked for (the job's `restarting` phase) is not an unplug.
    if (!jobs.isRestarting(udid)) hub.emit('notify', notice('info', 'iPhone disconnected', `${devices.nameOf(udid)} was unplugged.`, udid, 'disconnected'));
    devices.onDetached(udid);
  });
  manager.on('trust-changed', (device) => devices.onUpdated(device));
  manager.on('updated', (device) => devices.onUpdated(device));
  // A locked phone is looked at again until it is unlocked; a detached one stops the watch.
  for (const event of ['attached', 'detached', 'trust-changed', 'updated'] as const) manager.on(event, () => unlock.sync());
  // A phone that arrives or becomes trusted may owe a scheduled backup (after "when connected" had its turn).
  for (const event of ['attached', 'trust-changed', 'updated'] as const) manager.on(event, () => scheduler.check());
  manager.start();
  scheduler.start();

  return {
    invoke,
    async invokeEnvelope(channel, args) {
      try {
        return { ok: true, value: await invoke(channel, args) };
      } catch (error) {
        const appError = toAppError(error);
        options.log?.(`${String(channel)} failed: ${appError.code}: ${appError.message}`);
        return { ok: false, error: appError };
      }
    },
    on: (event, listener) => hub.on(event, listener),
    async close() {
      if (closed) return;
      closed = true;
      scheduler.stop();
      passwords.cancelAll();
      reads.cancelAll();
      jobs.cancelAll();
      unlock.stop();
      manager.stop();
      await backups.close();
      hub.clear();
    },
  };
}

let noticeCounter = 0;
function notice(level: NoticeView['level'], title: string, body: string | undefined, udid: string, about: NonNullable<NoticeView['about']>): NoticeView {
  noticeCounter += 1;
  return { id: `n${Date.now()}-${noticeCounter}`, level, title, udid, about, ...(body ? { body } : {}) };
}

/** A finished photo import that left files behind says so in its notice too (the window lists them). */
function notCopiedSentence(finished: JobFinished): string | undefined {
  const count = finished.photosNotCopied?.count;
  return count ? `${count} ${count === 1 ? 'photo' : 'photos'} could not be copied.` : undefined;
}

function sentence(error: AppError | undefined): string | undefined {
  return error ? describeAppError(error) : undefined;
}

function defaultSettingsPath(): string {
  const configHome = process.env.XDG_CONFIG_HOME && path.isAbsolute(process.env.XDG_CONFIG_HOME) ? process.env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(configHome, 'lifeboat', 'settings.json');
}
