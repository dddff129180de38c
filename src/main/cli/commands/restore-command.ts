import { formatBytes, formatDuration } from '../../../shared/format';
import { assessErasedPhone, runRestore, type RestoreProgress } from '../../backup/restore';
import { checkFlags, type CliIo, type ParsedArgs, processIo, stringFlag, UsageError } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { type CliIoWithStdin, backupFolderFromArgs, passwordFromArgs, reportBackupError } from './backup-command-support';

export const RESTORE_USAGE = 'lifeboat restore [--udid U] [--backup ID|DIR] [--password-stdin] [--system] [--no-reboot] [--settings] [--candidates] [--json]';

/** How often the terminal's progress line is redrawn. */
const TERMINAL_REDRAW_MS = 100;

/**
 * `lifeboat restore`: puts a backup back onto the iPhone (default: its latest backup here). The
 * checks run first and say what to do; progress goes to stderr; the result (or its JSON) to stdout.
 * `--candidates` only lists the backups that hold this phone's photos (after an erase).
 */
export async function restoreCommand(args: ParsedArgs, io: CliIoWithStdin, signal?: AbortSignal): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  checkFlags(args, ['udid', 'backup', 'backup-root', 'password-stdin', 'system', 'no-reboot', 'settings', 'skip-apps', 'candidates', 'json']);
  const json = args.flags.get('json') === true;
  const muxAddress = io.env['USBMUXD_SOCKET_ADDRESS'];
  const backupRoot = stringFlag(args, 'backup-root') ?? io.env['LIFEBOAT_BACKUP_ROOT'];
  try {
    if (args.flags.get('candidates') === true) {
      const assessment = await assessErasedPhone(stringFlag(args, 'udid'), { backupRoot, muxAddress });
      if (json) io.stdout(`${JSON.stringify(assessment, null, 2)}\n`);
      else {
        io.stdout(`${assessment.photosOnPhone} photo files on the iPhone now; ${assessment.looksErased ? 'it looks freshly erased.' : 'it does not look erased.'}\n`);
        for (const candidate of assessment.candidates) {
          io.stdout(`  ${candidate.id}  ${candidate.createdAt ?? 'unknown date'}  ${candidate.photoCount === undefined ? 'photos: unknown (encrypted)' : `${candidate.photoCount} photos`}  ${candidate.path}\n`);
        }
      }
      return ExitCode.ok;
    }
    const backupRef = stringFlag(args, 'backup');
    const password = await passwordFromArgs(args, io);
    const reporter = json ? undefined : new RestoreReporter(io);
    const result = await runRestore({
      udid: stringFlag(args, 'udid'),
      muxAddress,
      backupRoot,
      backup: backupRef === undefined ? undefined : await backupFolderFromArgs(backupRef, args, io),
      password,
      systemFiles: args.flags.get('system') === true,
      settings: args.flags.get('settings') === true,
      reboot: args.flags.get('no-reboot') !== true,
      skipApps: args.flags.get('skip-apps') === true,
      signal,
      onProgress: reporter && ((progress) => reporter.update(progress)),
    }).finally(() => reporter?.end());
    if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const reboot = result.rebooted ? ' The iPhone restarted and is back.' : '';
      io.stdout(`Restored ${result.filesSent} files (${formatBytes(result.bytesSent)}) from ${result.backupFolder} in ${formatDuration(result.durationMs / 1000)}.${reboot}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    return reportBackupError(error, io, json);
  }
}

/** One redrawn line on a terminal; a line per phase (and per 10%) when piped. */
class RestoreReporter {
  private readonly terminal: boolean;
  private lastDraw = 0;
  private lastPhase: string | undefined;
  private lastTenth = -1;
  private drawn = false;

  constructor(private readonly io: CliIo) {
    this.terminal = io === processIo && process.stderr.isTTY === true;
  }

  update(progress: RestoreProgress): void {
    const line = this.line(progress);
    if (this.terminal) {
      const now = Date.now();
      if (progress.phase === this.lastPhase && now - this.lastDraw < TERMINAL_REDRAW_MS) return;
      this.lastDraw = now;
      this.lastPhase = progress.phase;
      this.io.stderr(`\r\u001b[2K${line}`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(progress.percent / 10);
    if (progress.phase === this.lastPhase && tenth === this.lastTenth) return;
    this.lastPhase = progress.phase;
    this.lastTenth = tenth;
    this.io.stderr(`${line}\n`);
  }

  end(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }

  private line(progress: RestoreProgress): string {
    switch (progress.phase) {
      case 'checking':
        return 'Checking the backup and the iPhone…';
      case 'preparing':
        return 'Preparing the iPhone…';
      case 'rebooting':
        return 'Restored. Waiting for the iPhone to restart…';
      case 'done':
        return 'Done.';
      case 'restoring': {
        const eta = progress.etaSeconds === undefined ? '' : `, about ${formatDuration(progress.etaSeconds)} left`;
        return `Restoring: ${progress.percent.toFixed(0)}%, ${progress.filesDone}/${progress.filesTotal} files, ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}${eta}`;
      }
    }
  }
}
