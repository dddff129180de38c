/**
 * Readonly models that cross the process boundary (docs/architecture.md "contract"). Plain JSON
 * only: dates are ISO-8601 strings, sizes are byte counts, so the same values travel over Electron
 * IPC and the web bridge's WebSocket unchanged. A phone's models are in contract-device-models.ts,
 * a job's in contract-job-models.ts; these are the backups, settings, restore, browser, notices,
 * passwords and folders.
 */
import type { AppError } from './app-error';
import type { DeviceSettingsView, DeviceView } from './contract-device-models';

export interface BackupView {
  /** Stable id the other channels take (catalog id). */
  readonly id: string;
  readonly udid: string;
  readonly deviceName?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  /** The backup folder on disk. */
  readonly path: string;
  /** ISO-8601 time the backup finished. */
  readonly createdAt: string;
  /** Bytes of everything the backup holds (what a restore puts back), whether or not it shares them with other backups. */
  readonly sizeBytes: number;
  /** Bytes it takes on disk of its own, when fewer: an older snapshot keeps only what the next backup changed. */
  readonly diskBytes?: number;
  readonly fileCount?: number;
  readonly encrypted: boolean;
  /** Whether the Camera Roll was included, and how many photos/videos it held. */
  readonly includesCameraRoll?: boolean;
  readonly photoCount?: number;
  readonly archived: boolean;
  readonly status: 'complete' | 'incomplete' | 'unknown';
  /**
   * Where it was found (Manage Backups groups by it): `current` = the phone's latest backup in the
   * backup folder, `snapshot` = an older one Lifeboat keeps, `other` = a folder added in Settings.
   */
  readonly place?: 'current' | 'snapshot' | 'other';
  /** An older backup kept as a Lifeboat snapshot inside an added folder (`place` is then `other`): listed as a snapshot, only read. */
  readonly addedSnapshot?: boolean;
  /** Made by Lifeboat (its sidecar says so) or by Finder, iTunes or idevicebackup2. */
  readonly madeBy?: 'lifeboat' | 'other';
  /** A marketing name the backup records (Info.plist `Product Name`), e.g. `iPhone 13`. */
  readonly modelName?: string;
  /** The catalog found something unreadable or wrong (not only missing): do not restore from it. */
  readonly damaged?: boolean;
  /** Why it is incomplete or damaged, as sentences. */
  readonly problems?: readonly string[];
  /**
   * ISO-8601 time of the last Verify of this folder as it is now (the catalog keeps it across
   * restarts and drops it once the folder changes); `status` and `problems` then hold its finding.
   */
  readonly verifiedAt?: string;
}

export type ThemePreference = 'system' | 'light' | 'dark';

interface RetentionView {
  /** Keep this many backups per phone (older ones are deleted after a successful backup); null keeps all. */
  readonly keepLast: number | null;
  /** Also keep the newest backup of each of this many months (0: none); ignored when keepLast is null. */
  readonly keepMonthly: number;
}

export interface SettingsView {
  readonly backupRoot: string;
  /** More folders whose backups appear in history (read-only). */
  readonly extraFolders: readonly string[];
  readonly retention: RetentionView;
  readonly theme: ThemePreference;
  /** Where "Import Photos" copies the Camera Roll (YYYY/MM folders inside). */
  readonly photoImportFolder?: string;
  readonly devices: { readonly [udid: string]: DeviceSettingsView };
  /** Desktop app: start at login, hidden in the tray, so schedules and plug-in backups happen (the shell applies it). */
  readonly openAtLogin?: boolean;
  /** The first-run offer of openAtLogin was answered (either way): it is not asked again. */
  readonly openAtLoginOffered?: boolean;
  /** Set (never saved) when the saved backup folder is not there (an unplugged disk) or does not answer (a network drive): what to do. */
  readonly backupRootMissing?: string;
}

export interface VerifyReport {
  readonly backupId: string;
  readonly ok: boolean;
  readonly checkedFiles: number;
  readonly problems: readonly string[];
}

export interface RestorePreflightView {
  readonly backupId: string;
  readonly udid: string;
  /** True when nothing blocks the restore. */
  readonly ok: boolean;
  readonly needsPassword: boolean;
  /** Find My must be off before a restore (§7.3). */
  readonly findMyEnabled?: boolean;
  readonly requiredFreeBytes?: number;
  readonly deviceFreeBytes?: number;
  /** Restoring an older-iOS backup onto a newer phone is fine; the reverse is not. */
  readonly versionCompatible?: boolean;
  readonly problems: readonly AppError[];
}

/** A backup that holds this phone's Camera Roll, for the after-reset path. */
interface RestoreCandidateView {
  readonly backupId: string;
  /** ISO-8601; undefined when the backup does not say. */
  readonly createdAt?: string;
  /** Photos and videos in it; undefined for an encrypted backup not yet unlocked. */
  readonly photoCount?: number;
  readonly encrypted: boolean;
  readonly archived: boolean;
}

/** Whether a plugged-in phone looks newly erased, and the backups that hold its photos. */
export interface RestoreCandidatesView {
  readonly udid: string;
  /** Files in the phone's Camera Roll now (counted only up to a few). */
  readonly photosOnPhone: number;
  /** Its Camera Roll is (nearly) empty while a backup here has its photos. */
  readonly looksErased: boolean;
  /** Newest first. */
  readonly candidates: readonly RestoreCandidateView[];
  /** The one to offer: the newest complete backup holding more photos than the phone has now. */
  readonly recommendedBackupId?: string;
  /**
   * iCloud Photos is most likely on: the newest backup, made with the Camera Roll included, holds no
   * photos while the phone's Camera Roll has some. Inferred (no lockdown value is known to say so);
   * such backups never hold the photos, so Import Photos is the way to keep a copy here.
   */
  readonly photosInICloud?: boolean;
  /**
   * The backup that inference rests on (the newest), when it holds: the history says "In iCloud
   * Photos" for this one only. An older backup without photos may predate iCloud Photos (or the
   * photos), so it says "None", which is all that is known of it.
   */
  readonly photosInICloudBackupId?: string;
}

export interface BrowserSessionView {
  readonly sessionId: string;
  readonly backupId: string;
  readonly fileCount: number;
  readonly domains: readonly string[];
}

export interface BrowserEntryView {
  /** Manifest.db fileID (§5.2), stable within a backup. */
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly kind: 'file' | 'directory' | 'symlink';
  readonly sizeBytes: number;
  /** ISO-8601. */
  readonly modifiedAt?: string;
}

export interface BrowserPage {
  readonly entries: readonly BrowserEntryView[];
  readonly total: number;
  /** Search only: it found more than the limit it was given (narrow the search to see them). */
  readonly more?: boolean;
}

/** A small preview of a file in a backup (Camera Roll images), or none when it has none we can show. */
export interface BrowserPreviewView {
  readonly fileId: string;
  /** `data:image/jpeg;base64,…`; absent for files that are not small images. */
  readonly dataUrl?: string;
}

export interface ExtractResult {
  readonly destination: string;
  readonly files: number;
  readonly bytes: number;
}

export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly mode: 'electron' | 'web';
  readonly platform: string;
}

export interface NoticeView {
  readonly id: string;
  readonly level: 'info' | 'success' | 'error';
  readonly title: string;
  readonly body?: string;
  readonly udid?: string;
  /**
   * What it tells of, so a window can decide without reading its words which ones also become a
   * browser notification (web mode: a phone plugged in, a scheduled backup starting, a job ending).
   */
  readonly about?: 'connected' | 'disconnected' | 'job-started' | 'job-finished';
}

export interface DevicesChanged {
  readonly devices: readonly DeviceView[];
}

export interface BackupsChanged {
  readonly backups: readonly BackupView[];
  /** What these backups take on disk, when the catalog can say (absent: say no total). */
  readonly usage?: BackupsUsageView;
}

/**
 * What backups take on disk together, each file counted once however many of them link it (an
 * archive, an earlier backup and the latest share their unchanged files through hard links), from
 * the catalog's inodes. The sum of the rows' sizes counted a phone with one archive twice.
 */
export interface BackupsUsageView {
  /** Every listed backup together. */
  readonly totalBytes: number;
  /** Per phone (`BackupView.udid`), with the backups counted, so a list that changed since is not given a stale total. */
  readonly phones: readonly BackupPhoneUsageView[];
}

export interface BackupPhoneUsageView {
  readonly udid: string;
  readonly diskBytes: number;
  readonly backupIds: readonly string[];
}

/** What needs the backup password: the one password prompt says so in its own words. */
export type PasswordReason = 'backup' | 'verify' | 'browse' | 'restore';

/**
 * The core asks for a backup password (event password:needed) and waits; the renderer shows the
 * one password prompt and answers with passwords:provide or passwords:cancel. Never carries a password.
 */
export interface PasswordRequestView {
  readonly requestId: string;
  /** The phone whose backup password it is (one password per phone, §6.7). */
  readonly udid: string;
  readonly deviceName?: string;
  readonly reason: PasswordReason;
  readonly backupId?: string;
  /** The job waiting for it (`waitingFor: 'password'`), when a job asked. */
  readonly jobId?: string;
  /** Lifeboat started the work by itself (automatic backup), so nobody is looking at the window yet. */
  readonly automatic: boolean;
  /** Why it asks again: the password typed last was not right, or the remembered one no longer is. */
  readonly problem?: 'wrong' | 'remembered-wrong';
  /** Where "remember" keeps a password: the OS keychain (desktop app) or memory until Lifeboat quits. */
  readonly rememberIn: 'keychain' | 'session';
}

/** A password request is over: the password opened the backup, or the person cancelled. */
export interface PasswordSettled {
  readonly requestId: string;
  readonly outcome: 'accepted' | 'cancelled';
}

/** Whether a password for this phone is remembered, and where it would be kept. */
export interface RememberedPasswordView {
  readonly udid: string;
  readonly remembered: boolean;
  readonly rememberIn: 'keychain' | 'session';
}

/** A folder's sub-folders for the web folder chooser (folders:list), confined to `roots`. */
export interface FolderListingView {
  readonly path: string;
  /** Absent at the top of what may be shown. */
  readonly parent?: string;
  readonly folders: readonly { readonly name: string; readonly path: string }[];
  /** More sub-folders than were listed. */
  readonly more?: boolean;
  /** The places the chooser may start from (home, removable disks, folders in use). */
  readonly roots: readonly string[];
}

/** What folders:pick answered: the desktop app's native dialog, or `native: false` (use folders:list). */
export interface FolderPickView {
  readonly native: boolean;
  /** The chosen folder; absent when the person cancelled (or there is no native dialog). */
  readonly path?: string;
}

/** How far moving the backups to a new folder has got: backups moved of those found, and their bytes. */
export interface BackupMoveProgress {
  readonly moved: number;
  readonly total: number;
  /** The backup folder being moved now (its name, usually the phone's UDID). */
  readonly current?: string;
  /** Bytes of the backups' files in the new folder so far, of `bytesTotal` (snapshots included). */
  readonly bytesMoved?: number;
  readonly bytesTotal?: number;
}
