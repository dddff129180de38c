import fs from 'node:fs';
import { fail } from './error-mapping';
import { missingBackupFolderSentence, unreachableBackupFolderSentence } from './folder-chooser';
import type { SettingsStore } from './settings-store';

/** What a look at the saved backup folder found. */
export type BackupRootState = 'there' | 'missing' | 'unreachable';

/**
 * One look at a folder: resolves true when something is there, false when it is not (ENOENT,
 * ENOTDIR: a disk unplugged with its mount point); rejects for anything else the disk or server
 * said. It may also never settle: a network drive whose server stopped answering.
 */
export type FolderProbe = (folder: string) => Promise<boolean>;

/** Long enough for a sleeping disk or a slow server to answer, short enough not to look frozen. */
const BACKUP_ROOT_CHECK_TIMEOUT_MS = 2000;

/** The real look: an asynchronous stat, on libuv's pool rather than the main thread. */
export const statProbe: FolderProbe = async (folder) => {
  try {
    await fs.promises.stat(folder);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
};

interface Look {
  readonly answer: Promise<BackupRootState>;
  /** performance.now() after which whoever asks is told 'unreachable' without waiting. */
  readonly deadline: number;
  /**
   * Set when a wait for this look timed out. Node's timers may fire a fraction of a millisecond
   * before performance.now() reaches `deadline`, so the clock alone would make the next caller
   * wait again for that fraction; once one caller was told 'unreachable', every caller is at once.
   */
  overdue: boolean;
}

/**
 * Whether the saved backup folder is there, asked without blocking the main thread: an
 * `existsSync` on a network drive whose server stopped answering froze the window (and the web
 * bridge) until the kernel gave up, minutes later, at start-up and whenever Settings were shown.
 *
 * Each check starts a fresh look unless one for that folder is still out, and waits for it at most
 * `timeoutMs` from when that look started; then the answer is 'unreachable'. A look that never
 * settles is not asked again until it does: each one holds a libuv pool thread while it waits, and
 * a pile of them would stall every other file operation of the app.
 */
export class BackupRootCheck {
  private readonly outstanding = new Map<string, Look>();

  constructor(
    private readonly probe: FolderProbe = statProbe,
    private readonly timeoutMs = BACKUP_ROOT_CHECK_TIMEOUT_MS,
  ) {}

  async check(folder: string): Promise<BackupRootState> {
    const look = this.outstanding.get(folder) ?? this.startLook(folder);
    if (look.overdue) return 'unreachable';
    const state = await answerBy(look.answer, look.deadline - performance.now());
    if (state === 'unreachable' && this.outstanding.get(folder) === look) look.overdue = true;
    return state;
  }

  private startLook(folder: string): Look {
    // Runs in a later microtask than the probe's call, so `look` below exists by then.
    const settle = (state: BackupRootState): BackupRootState => {
      if (this.outstanding.get(folder) === look) this.outstanding.delete(folder);
      return state;
    };
    const look: Look = {
      answer: Promise.resolve()
        .then(() => this.probe(folder))
        .then(
          (there) => settle(there ? 'there' : 'missing'),
          () => settle('unreachable'),
        ),
      deadline: performance.now() + this.timeoutMs,
      overdue: false,
    };
    this.outstanding.set(folder, look);
    return look;
  }
}

/** The look's answer if it comes within `remainingMs`, else 'unreachable'. */
async function answerBy(answer: Promise<BackupRootState>, remainingMs: number): Promise<BackupRootState> {
  if (remainingMs <= 0) return 'unreachable';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<BackupRootState>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), remainingMs);
    timer.unref();
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The saved backup folder as the app speaks of it: the last look's answer (kept for the settings
 * views sent with events, which cannot wait) and its sentence. Lifeboat's own default folder counts
 * as there: it is made when missing, as on a first start.
 */
export class SavedBackupRoot {
  private state: BackupRootState = 'there';

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

  /**
   * The sentence for a folder that is not there (issue 12: a disk unplugged since it was chosen) or
   * does not answer (a network drive), as last looked at; else undefined.
   */
  sentence(): string | undefined {
    const { backupRoot } = this.settings.get();
    if (this.state === 'missing') return missingBackupFolderSentence(backupRoot);
    if (this.state === 'unreachable') return unreachableBackupFolderSentence(backupRoot);
    return undefined;
  }

  /** The saved folder when its last look did not answer (a network drive), else undefined: nothing may touch it synchronously then. */
  unreachableFolder(): string | undefined {
    return this.state === 'unreachable' ? this.settings.get().backupRoot : undefined;
  }

  /** Refuses, with the sentence, work that would write into the folder while it is away. */
  async require(udid?: string): Promise<void> {
    // The sentence from this look's answer, not from this.state, which a later look may have changed.
    const state = await this.look();
    const { backupRoot } = this.settings.get();
    if (state === 'missing') fail('not-found', missingBackupFolderSentence(backupRoot), udid);
    if (state === 'unreachable') fail('io', unreachableBackupFolderSentence(backupRoot), udid);
  }
}
