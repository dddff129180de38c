import type { BackupRootCheck, BackupRootState } from './backup-root-check';
import { fail } from './error-mapping';
import { CHECK_THE_DISK, GIVE_PERMISSION, plugTheDiskIn } from '../backup/store';
import type { SettingsStore } from './settings-store';

/**
 * The sentence for the saved backup folder when it is not there (a disk unplugged since it was
 * chosen): Lifeboat does not make it again, which would put backups on the computer's own disk.
 */
function missingBackupFolderSentence(folder: string): string {
  return `The backup folder ${folder} is not there. ${plugTheDiskIn("otherwise use Choose… in Settings to pick another. Lifeboat does not make it again on this computer's own disk.")}`;
}

/**
 * The sentence for the saved backup folder when looking at it took longer than the check's time-out
 * (backup-root-check.ts): usually a network drive whose server stopped answering. Nothing is written
 * until it answers, and it is used again as soon as it does.
 */
function unreachableBackupFolderSentence(folder: string): string {
  return `The backup folder ${folder} cannot be reached right now: its disk or server did not answer. Check the network drive or its connection; Lifeboat writes nothing there until it answers and uses it again as soon as it does.`;
}

/**
 * EACCES or EPERM: the folder is there, but this user account may not read or write it (its
 * owner or permissions changed, a disk formatted on another computer, or macOS privacy settings).
 */
function forbiddenBackupFolderSentence(folder: string): string {
  return `Lifeboat is not allowed to read and write the backup folder ${folder}. ${GIVE_PERMISSION}, or use Choose… in Settings to pick another. Lifeboat writes nothing there until it may.`;
}

/** EROFS: the folder is there and readable, on a disk that cannot be written (checked with access(W_OK)). */
function readOnlyBackupFolderSentence(folder: string): string {
  return `The backup folder ${folder} is on a disk that can only be read, so Lifeboat cannot back up into it. Use Choose… in Settings to pick a folder on a disk it can write to (a disk formatted for another computer, such as NTFS on a Mac, may need to be mounted for writing or reformatted).`;
}

/** EIO: the disk answered, with an error of its own (a failing disk, a loose cable). */
function failingBackupFolderSentence(folder: string): string {
  return `The disk that holds the backup folder ${folder} reported an error when Lifeboat looked at it. ${CHECK_THE_DISK}, or use Choose… in Settings to pick another; Lifeboat writes nothing there until it reads without error.`;
}

/** A backup's own folder (in an added folder) that is not there or did not answer when asked for. */
export function unreachableBackupSentence(folder: string): string {
  return `The backup ${folder} cannot be reached right now: its disk is not plugged in or its server did not answer. Plug the disk in or check the network drive, then try again; Lifeboat writes nothing there.`;
}

/** The sentence for a state of the saved folder; undefined when it is there. */
function sentenceFor(state: BackupRootState, folder: string): string | undefined {
  switch (state) {
    case 'there':
      return undefined;
    case 'missing':
      return missingBackupFolderSentence(folder);
    case 'unreachable':
      return unreachableBackupFolderSentence(folder);
    case 'forbidden':
      return forbiddenBackupFolderSentence(folder);
    case 'read-only':
      return readOnlyBackupFolderSentence(folder);
    case 'failing':
      return failingBackupFolderSentence(folder);
  }
}

/**
 * The saved backup folder as the app speaks of it: the last look's answer (kept for the settings
 * views sent with events, which cannot wait), its sentence, and whether the history was opened
 * without it, to be opened again once it is back. Lifeboat's own default folder counts as there:
 * it is made when missing, as on a first start.
 */
export class SavedBackupRoot {
  private state: BackupRootState = 'there';
  /** The catalog was opened without its root (not there or not usable): reopened once it is back. */
  private openedWithout = false;
  /** The reopen under way, shared: two at once would open the catalog twice and leak the first. */
  private reopening: Promise<boolean> | undefined;

  constructor(
    private readonly settings: Pick<SettingsStore, 'get' | 'defaultBackupRoot'>,
    private readonly rootCheck: BackupRootCheck,
  ) {}

  /** Looks at the folder again (at most the check's time-out) and keeps the answer. */
  async look(): Promise<BackupRootState> {
    const { backupRoot } = this.settings.get();
    this.state = backupRoot === this.settings.defaultBackupRoot ? 'there' : await this.rootCheck.check(backupRoot);
    return this.state;
  }

  /** The look before the history opens: true when it must open without its root (kept in memory, nothing written). */
  async lookBeforeOpen(): Promise<boolean> {
    this.openedWithout = (await this.look()) !== 'there';
    return this.openedWithout;
  }

  /**
   * settings:get's look: when the history was opened without the folder and the folder is back,
   * `reopen` opens it there again (true); otherwise just a look.
   */
  async lookOrReopen(reopen: () => Promise<void>): Promise<boolean> {
    if (this.openedWithout) return this.reopenIfBack(reopen);
    await this.look();
    return false;
  }

  /**
   * The folder is back: `reopen` reads the history from (and keeps it in) the folder again. True if
   * reopened. Callers at the same time (the window and the web bridge both asking settings:get)
   * share one reopen, so the catalog is opened once and no SQLite handle is left open behind a second.
   */
  reopenIfBack(reopen: () => Promise<void>): Promise<boolean> {
    this.reopening ??= (async () => {
      if (!this.openedWithout || (await this.look()) !== 'there') return false;
      await reopen();
      return true;
    })().finally(() => {
      this.reopening = undefined;
    });
    return this.reopening;
  }

  /** The sentence for a folder that is not there, not answering, not allowed or failing, as last looked at; else undefined. */
  sentence(): string | undefined {
    return sentenceFor(this.state, this.settings.get().backupRoot);
  }

  /** The saved folder when its last look did not answer (a network drive), else undefined: nothing may touch it synchronously then. */
  unreachableFolder(): string | undefined {
    return this.state === 'unreachable' ? this.settings.get().backupRoot : undefined;
  }

  /** Refuses, with the sentence, work that would write into the folder while it is away or not usable. */
  async require(udid?: string): Promise<void> {
    // The sentence from this look's answer, not from this.state, which a later look may have changed.
    const state = await this.look();
    const sentence = sentenceFor(state, this.settings.get().backupRoot);
    if (sentence !== undefined) fail(state === 'missing' ? 'not-found' : 'io', sentence, udid);
  }
}
