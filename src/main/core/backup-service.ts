import type { BackupView, EncryptionView, InvokeArgs, JobStarted, JobTrigger, RememberedPasswordView, RestoreCandidatesView, RestorePreflightView, SettingsView, VerifyReport } from '../../shared/contract';
import { moveBackupRoot } from '../backup/store/root-move';
import type { Backends, BrowserBackend, CatalogBackend, HeicConversionChoice } from './backends';
import { type PasswordRunner, passwordRunner, runBackupJob } from './backup-job';
import { runRestoreJob } from './restore-job';
import type { KnownDevice } from './device-views';
import type { BackupRootCheck } from './backup-root-check';
import { fail } from './error-mapping';
import { requireUsableFolder } from './folder-chooser';
import type { EventHub } from './event-hub';
import { HistoryPublisher } from './history-publisher';
import type { JobQueue } from './job-queue';
import type { PasswordBroker } from './password-broker';
import { checkPhotoImportRequest, photosNotCopiedOf, runPhotoImportJob } from './photo-import-job';
import { SavedBackupRoot, unreachableBackupSentence } from './saved-backup-root';
import { settingsPatch } from './settings-patch';
import type { SettingsStore } from './settings-store';
import type { UnlockWatcher } from './unlock-watcher';

interface BackupServiceOptions {
  readonly backends: Backends;
  readonly settings: SettingsStore;
  readonly hub: EventHub;
  readonly jobs: JobQueue;
  readonly muxAddress?: string;
  readonly onBackupsChanged: () => void;
  /** A backup of a locked phone waits here for the unlock instead of failing (issue 12). */
  readonly unlock?: Pick<UnlockWatcher, 'isLocked' | 'lockedNow' | 'waitForUnlock'>;
  /** Obtains backup passwords (remembered, or asked through the one password prompt). */
  readonly passwords: PasswordBroker;
  /** The phone's name for the prompt's sentence. */
  readonly deviceName?: (udid: string) => string | undefined;
  /** Whether the saved backup folder is there, looked at asynchronously with a time-out. */
  readonly rootCheck: BackupRootCheck;
}

/**
 * Backups, history and everything that runs against a backup (restore, photo import, browser):
 * jobs go through the queue, the history is cached from the catalog and pushed as backups:changed.
 */
export class BackupService {
  private catalog: CatalogBackend | undefined;
  /** The history, sent as backups:changed and kept for the questions below (history-publisher.ts). */
  private readonly history: HistoryPublisher;
  /** Whether the saved folder is there, looked at without blocking, and reopened when back (saved-backup-root.ts). */
  private readonly root: SavedBackupRoot;

  constructor(private readonly options: BackupServiceOptions) {
    this.root = new SavedBackupRoot(options.settings, options.rootCheck);
    this.history = new HistoryPublisher(options.hub, options.onBackupsChanged);
  }

  /** The history as last read. */
  private get cache(): readonly BackupView[] {
    return this.history.backups;
  }

  async open(): Promise<void> {
    const { backupRoot, extraFolders } = this.options.settings.get();
    const rootUnavailable = await this.root.lookBeforeOpen();
    // Only the default folder is made again by a backup (saved-backup-root.ts); a chosen one never is.
    this.catalog = await this.options.backends.openCatalog(backupRoot, extraFolders, { rootUnavailable, rootMadeByBackup: backupRoot === this.options.settings.defaultBackupRoot });
    // Not reload(): open() runs inside a reopen, which must not wait for itself.
    await this.publishHistory();
  }

  /**
   * The settings as windows show them, with the sentence for a backup folder that is not there or
   * not answering, as last looked at (events sent alongside a change use this).
   */
  settingsView(): SettingsView {
    const sentence = this.root.sentence();
    return sentence === undefined ? this.options.settings.get() : { ...this.options.settings.get(), backupRootMissing: sentence };
  }

  /** settings:get: the folder looked at again first, and picked up again if it is back. */
  async currentSettingsView(): Promise<SettingsView> {
    await this.root.lookOrReopen(this.reopen);
    return this.settingsView();
  }

  async close(): Promise<void> {
    this.catalog?.close();
    this.catalog = undefined;
  }

  async list(udid: string | undefined, includeArchived: boolean): Promise<readonly BackupView[]> {
    await this.reload();
    return this.cache.filter((backup) => (udid === undefined || backup.udid === udid) && (includeArchived || !backup.archived));
  }

  /** The saved backup folder when its last look did not answer, for the folder chooser to stay away from. */
  unreachableBackupRoot(): string | undefined {
    return this.root.unreachableFolder();
  }

  lastBackupAt(udid: string): string | undefined {
    return this.cache.filter((backup) => backup.udid === udid && backup.status !== 'incomplete').map((backup) => backup.createdAt).sort().at(-1);
  }

  knownDevices(): KnownDevice[] {
    const byUdid = new Map<string, KnownDevice>();
    for (const backup of [...this.cache].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      byUdid.set(backup.udid, { udid: backup.udid, name: backup.deviceName, productType: backup.productType, productVersion: backup.productVersion });
    }
    return [...byUdid.values()];
  }

  /**
   * Starts a backup. An encrypted phone with the Camera Roll off needs the backup password (the
   * engine rewrites Manifest.db, §6.4): the job then waits (`waitingFor: 'password'`) for the one
   * password prompt, automatic backups included, and never fails for want of it. `trigger` marks a
   * backup nobody clicked for (on connect, on schedule).
   */
  start(udid: string, full: boolean, password?: string, trigger?: JobTrigger): JobStarted {
    const automatic = trigger !== undefined;
    const { settings, backends, muxAddress, unlock } = this.options;
    const { backupRoot, retention } = settings.get();
    const cameraRoll = settings.device(udid).cameraRoll;
    const jobId = this.options.jobs.start(udid, 'backup', async (context) => {
      // The engine would make a missing folder, on the computer's own disk. Looked at inside the
      // job, so the phone is busy from the start (a backup on connect and a scheduled one never both start).
      await this.root.require(udid);
      const result = await runBackupJob(
        { runEngine: (options) => backends.backup.runBackup(options), withPassword: this.withPassword, ...(unlock ? { unlock } : {}) },
        {
          udid,
          backupRoot,
          full,
          cameraRoll,
          // Empty (null) keeps every backup; otherwise the recent ones plus the monthly ones.
          retention: retention.keepLast === null ? {} : { keepLast: retention.keepLast, keepMonthly: retention.keepMonthly },
          ...(muxAddress ? { muxAddress } : {}),
          ...(password ? { password } : {}),
          ...(automatic ? { automatic } : {}),
        },
        context,
      );
      await this.reload();
      const made = result.backupPath ? await this.requireCatalog().findByPath(result.backupPath) : undefined;
      return made ? { backupId: made.id } : {};
    }, trigger);
    return { jobId };
  }

  /**
   * A backup someone asked for (backup:start): refused at once with the sentence when the backup
   * folder is not there or not answering, rather than as a job that fails.
   */
  async startAsked(udid: string, full: boolean, password?: string): Promise<JobStarted> {
    await this.root.require(udid);
    return this.start(udid, full, password);
  }

  /**
   * Checks every file of a backup. The catalog keeps the finding (`verifiedAt`), and the list is
   * pushed again so every window shows it, and shows it still after a restart.
   */
  async verify(backupId: string, password?: string, signal?: AbortSignal): Promise<VerifyReport> {
    const backup = this.cache.find((candidate) => candidate.id === backupId);
    const catalog = this.requireCatalog();
    const report = !backup?.encrypted
      ? await catalog.verify(backupId, password, signal)
      : await this.withPassword({ udid: backup.udid, reason: 'verify', backupId }, (withPassword) => catalog.verify(backupId, withPassword, signal), { explicit: password, required: true, folder: backup.path, signal });
    await this.reload();
    return report;
  }

  /** Opens a backup in the browser (asking for the password of an encrypted one). */
  async openBrowser(backupId: string, password?: string, signal?: AbortSignal) {
    const browser = this.browser();
    const backupPath = await this.pathOf(backupId);
    const backup = this.cache.find((candidate) => candidate.id === backupId);
    const open = (withPassword: string | undefined) => browser.open({ backupId, backupPath, ...(withPassword ? { password: withPassword } : {}), ...(signal ? { signal } : {}) });
    if (!backup?.encrypted) return open(password);
    return this.withPassword({ udid: backup.udid, reason: 'browse', backupId }, open, { explicit: password, required: true, folder: backupPath, signal });
  }

  /**
   * Remembers a phone's password ahead of its backups (the Camera Roll warning offers it), after
   * trying it on the phone's newest encrypted backup when there is one.
   */
  async rememberPassword(udid: string, password: string): Promise<RememberedPasswordView> {
    const newest = this.cache.filter((backup) => backup.udid === udid && backup.encrypted && backup.status === 'complete').sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (newest && this.options.backends.checkPassword) await this.options.backends.checkPassword(newest.path, password);
    return this.options.passwords.remember(udid, password);
  }

  /** The passwords' side of encryption changes: a remembered password follows the phone's. */
  private async afterPasswordChange(udid: string, newPassword: string | undefined): Promise<void> {
    const passwords = this.options.passwords;
    if (newPassword === undefined) await passwords.forget(udid);
    else if ((await passwords.remembered(udid)) !== undefined) await passwords.remember(udid, newPassword).catch(() => passwords.forget(udid));
  }

  /**
   * Work that needs a phone's backup password, through the broker with the key-bag check and the
   * phone's name (backup-job.ts's passwordRunner); made on use, as the options are set by then.
   */
  private readonly withPassword: PasswordRunner = (need, work, options) => {
    const { passwords, backends, deviceName } = this.options;
    const runner = passwordRunner(passwords, { ...(backends.checkPassword ? { checkPassword: backends.checkPassword } : {}), ...(deviceName ? { deviceName } : {}) });
    return runner(need, work, options);
  };

  async delete(backupId: string): Promise<{ deleted: boolean }> {
    this.refuseWhileBusy(backupId);
    await this.requireCatalog().delete(backupId);
    await this.reload();
    return { deleted: true };
  }

  async archive(backupId: string): Promise<BackupView> {
    // An archive is a copy into the backup folder: not made again on the computer's own disk.
    await this.root.require();
    const view = await this.requireCatalog().archive(backupId);
    await this.reload();
    return view;
  }

  /**
   * The backup's own folder, for Show Folder: nothing is made. A folder that is not there or does
   * not answer now (an added folder's disk unplugged since the list was read) is said so, rather
   * than shown as if the file manager could open it.
   */
  async folderOf(backupId: string): Promise<string> {
    const folder = await this.requireCatalog().folderOf(backupId);
    const state = await this.options.rootCheck.check(folder);
    if (state === 'missing' || state === 'unreachable') fail('not-found', unreachableBackupSentence(folder));
    return folder;
  }

  /** A folder holding the whole backup; an earlier backup's copy is not made while the backup folder is away. */
  async pathOf(backupId: string): Promise<string> {
    return this.requireCatalog().pathOf(backupId, { beforeCopy: () => this.root.require() });
  }

  /** Saves settings (settings-patch.ts checks them); a new backup root or folder list reopens the catalog. */
  async updateSettings(change: InvokeArgs<'settings:set'>): Promise<SettingsView> {
    const before = this.options.settings.get();
    const patch = settingsPatch(change, before, this.cache);
    const after = this.options.settings.update(patch);
    if (before.backupRoot !== after.backupRoot || before.extraFolders.join('\n') !== after.extraFolders.join('\n')) {
      this.catalog?.close();
      this.catalog = undefined;
      await this.open();
    }
    this.options.hub.emit('settings:changed', this.settingsView());
    return this.settingsView();
  }

  /**
   * A new backup folder. `keep` leaves the backups where they are, listed as an added folder; `move`
   * moves each backup (with its snapshots) there, reporting progress (settings:move-progress). A move
   * that stops half-way loses nothing: what moved is in the new folder, the rest stays in the old
   * one, which is then kept as an added folder so every backup is still listed, and the sentence
   * says what happened.
   */
  async changeBackupRoot(backupRoot: string, existing: 'move' | 'keep'): Promise<SettingsView> {
    const to = requireUsableFolder(backupRoot, 'The backup folder');
    const from = this.options.settings.get().backupRoot;
    if (existing === 'keep' || to === from) return this.updateSettings({ backupRoot: to });
    if (this.options.jobs.list().length > 0) fail('busy', 'A backup, restore or import is running; wait for it to finish before moving the backups.');
    // The catalog holds the old folder open; it reopens on the new one below.
    this.catalog?.close();
    this.catalog = undefined;
    let result;
    try {
      result = await moveBackupRoot(from, to, (progress) => this.options.hub.emit('settings:move-progress', progress));
    } catch (error) {
      await this.open();
      throw error;
    }
    const extra = this.options.settings.get().extraFolders.filter((folder) => folder !== to);
    this.options.settings.update({ backupRoot: to, extraFolders: result.left.length > 0 ? [...extra.filter((folder) => folder !== from), from] : extra });
    await this.open();
    this.options.hub.emit('settings:changed', this.settingsView());
    if (result.problem) fail('io', `${result.problem} Both folders are listed, so every backup can still be opened and restored.`);
    return this.settingsView();
  }

  async getEncryption(udid: string): Promise<EncryptionView> {
    return { udid, enabled: await this.options.backends.backup.getEncryption(this.target(udid)) };
  }

  async setEncryption(udid: string, enabled: boolean, password: string): Promise<EncryptionView> {
    if (this.options.jobs.activeJobFor(udid)) fail('busy', undefined, udid);
    await this.options.backends.backup.setEncryption({ ...this.target(udid), enabled, password });
    if (!enabled) await this.afterPasswordChange(udid, undefined);
    return { udid, enabled };
  }

  async changePassword(udid: string, oldPassword: string, newPassword: string): Promise<EncryptionView> {
    if (this.options.jobs.activeJobFor(udid)) fail('busy', undefined, udid);
    await this.options.backends.backup.changePassword({ ...this.target(udid), oldPassword, newPassword });
    await this.afterPasswordChange(udid, newPassword);
    return { udid, enabled: true };
  }

  async restorePreflight(udid: string, backupId: string, device?: { productVersion?: string; freeBytes?: number }): Promise<RestorePreflightView> {
    const restore = this.options.backends.restore ?? fail('unsupported', 'Restoring is not available in this version yet.');
    return restore.preflight({ ...this.target(udid), backupId, backupPath: await this.pathOf(backupId), ...(device ? { device } : {}) });
  }

  async startRestore(args: { udid: string; backupId: string; password?: string; system?: boolean; settings?: boolean; reboot?: boolean }): Promise<JobStarted> {
    const restore = this.options.backends.restore ?? fail('unsupported', 'Restoring is not available in this version yet.');
    const backupPath = await this.pathOf(args.backupId);
    const source = this.cache.find((candidate) => candidate.id === args.backupId);
    const jobId = this.options.jobs.start(args.udid, 'restore', async (context) => {
      await runRestoreJob(
        { runEngine: ({ udid: _target, ...options }) => restore.run({ ...this.target(args.udid), ...options }), withPassword: this.withPassword },
        {
          udid: args.udid,
          backupPath,
          // Not in the history (yet): the engine reads the folder itself and says what is wrong with it.
          source: source ? { encrypted: source.encrypted, owner: source.udid, backupId: args.backupId } : undefined,
          ...(args.password ? { password: args.password } : {}),
          ...(args.system === undefined ? {} : { system: args.system }),
          ...(args.settings === undefined ? {} : { settings: args.settings }),
          ...(args.reboot === undefined ? {} : { reboot: args.reboot }),
        },
        context,
      );
      return {};
    });
    return { jobId };
  }

  /**
   * The after-reset check; while a job runs for the phone it is left alone (AFC would compete with
   * it). It reads the history afresh: a backup folder that went away is neither read nor made again.
   */
  async restoreCandidates(udid: string): Promise<RestoreCandidatesView> {
    const restore = this.options.backends.restore;
    if (!restore?.candidates || this.options.jobs.activeJobFor(udid)) return { udid, photosOnPhone: 0, looksErased: false, candidates: [] };
    const rootUnavailable = (await this.root.look()) !== 'there';
    const { backupRoot, extraFolders } = this.options.settings.get();
    return restore.candidates({ ...this.target(udid), backupRoot, extraFolders, ...(rootUnavailable ? { rootUnavailable } : {}) });
  }

  /** The app's Import Photos: core's one photo import (photo-import-job.ts) as a job of the queue. */
  startPhotoImport(udid: string, destination: string, conversion: HeicConversionChoice = {}): JobStarted {
    const photos = this.options.backends.photos ?? fail('unsupported', 'Photo import is not available in this version yet.');
    const request = checkPhotoImportRequest({ ...this.target(udid), destination, ...conversion });
    const jobId = this.options.jobs.start(udid, 'photos-import', async ({ signal, report }) => {
      const { notCopied } = await runPhotoImportJob((run) => photos.importPhotos({ ...run, udid }), request, { signal, onProgress: report });
      const photosNotCopied = photosNotCopiedOf(notCopied);
      return photosNotCopied ? { photosNotCopied } : {};
    });
    return { jobId };
  }

  browser(): BrowserBackend {
    return this.options.backends.browser ?? fail('unsupported', 'Browsing backups is not available in this version yet.');
  }

  private async reload(): Promise<void> {
    if (await this.root.reopenIfBack(this.reopen)) return;
    await this.publishHistory();
  }

  private async publishHistory(): Promise<void> {
    if (this.catalog) await this.history.publish(this.catalog);
  }

  /** The saved folder is back (saved-backup-root.ts decides, once for callers at the same time): the history is read from it again. */
  private readonly reopen = async (): Promise<void> => {
    this.catalog?.close();
    this.catalog = undefined;
    await this.open();
    this.options.hub.emit('settings:changed', this.settingsView());
  };

  private requireCatalog(): CatalogBackend {
    return this.catalog ?? fail('io', 'The backup history is not open yet.');
  }

  private refuseWhileBusy(backupId: string): void {
    const backup = this.cache.find((candidate) => candidate.id === backupId);
    if (backup && this.options.jobs.activeJobFor(backup.udid)) fail('busy', 'A job is running for this iPhone; wait for it before deleting its backups.', backup.udid);
  }

  private target(udid: string): { udid: string; muxAddress?: string } {
    return this.options.muxAddress ? { udid, muxAddress: this.options.muxAddress } : { udid };
  }
}
