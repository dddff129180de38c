import fs from 'node:fs';

/**
 * What a look at the saved backup folder found. Besides there and missing: `unreachable`, no
 * answer in time (a network drive whose server stopped answering) or an error that says no more
 * (ESTALE); `forbidden`, this user may not read or write it (EACCES, EPERM: its permissions, or
 * macOS privacy settings); `read-only`, a disk that can only be read (EROFS: an NTFS disk on a Mac,
 * a disk image, a file system mounted read-only); `failing`, the disk itself reported an error
 * (EIO). Each has its own sentence (saved-backup-root.ts): a permission problem is not a server
 * that did not answer.
 */
export type BackupRootState = 'there' | 'missing' | 'unreachable' | 'forbidden' | 'read-only' | 'failing';

/**
 * One look at a folder: resolves true when something is there, false when it is not (ENOENT,
 * ENOTDIR: a disk unplugged with its mount point); rejects for anything else the disk or server
 * said. It may also never settle: a network drive whose server stopped answering.
 */
export type FolderProbe = (folder: string) => Promise<boolean>;

/** Long enough for a sleeping disk or a slow server to answer, short enough not to look frozen. */
const BACKUP_ROOT_CHECK_TIMEOUT_MS = 2000;

/**
 * The real look: an asynchronous stat, on libuv's pool rather than the main thread, then whether
 * this user may list and write in it (a folder owned by another account passes the stat alone and
 * the backup would fail at its first file).
 */
export const statProbe: FolderProbe = async (folder) => {
  try {
    await fs.promises.stat(folder);
    await fs.promises.access(folder, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
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
          (error: unknown) => settle(stateOfError(error)),
        ),
      deadline: performance.now() + this.timeoutMs,
      overdue: false,
    };
    this.outstanding.set(folder, look);
    return look;
  }
}

/** What an error from a look says about the folder; anything not known to mean more is 'unreachable'. */
function stateOfError(error: unknown): BackupRootState {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'forbidden';
  if (code === 'EROFS') return 'read-only';
  if (code === 'EIO') return 'failing';
  return 'unreachable';
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
