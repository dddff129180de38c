import { formatBytes, formatDuration } from '../../../shared/format';
import { BackupError } from '../../backup/backup-error';
import { resolveIdleTimeoutMs } from '../../backup/engine';
import { assessErasedPhone, runRestore, type RestoreProgress } from '../../restore';
import { checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { jsonLine } from '../progress-json';
import { chooseProgressStyle, createProgressRenderer } from '../progress-renderer';
import type { ProgressView } from '../progress-view';
import { type CliIoWithStdin, backupFolderFromArgs, passwordFromArgs, reportBackupError } from './backup-command-support';

/**
 * `lifeboat restore`: puts a backup back onto the iPhone (default: its latest backup here), with
 * everything in it as iTunes and Finder do, system files included (the keychain, Wi-Fi, saved
 * passwords); `--no-system` leaves them out. The checks run first and say what to do; progress
 * goes to stderr (a bar on a terminal, lines when piped) or, with --json, NDJSON to stdout, as for
 * `lifeboat backup`; then the result. `--candidates` only lists the backups that hold this phone's
 * photos (after an erase).
 */
export async function restoreCommand(args: ParsedArgs, io: CliIoWithStdin, signal?: AbortSignal): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  checkFlags(args, ['udid', 'backup', 'backup-root', 'password-stdin', 'system', 'no-system', 'no-reboot', 'settings', 'skip-apps', 'candidates', 'json']);
  if (args.flags.has('system') && args.flags.has('no-system')) throw new UsageError('Choose --system or --no-system, not both.');
  const json = args.flags.get('json') === true;
  const muxAddress = io.env['USBMUXD_SOCKET_ADDRESS'];
  const backupRoot = stringFlag(args, 'backup-root') ?? io.env['LIFEBOAT_BACKUP_ROOT'];
  try {
    if (args.flags.get('candidates') === true) {
      const assessment = await assessErasedPhone(stringFlag(args, 'udid'), { backupRoot, muxAddress });
      if (json) io.stdout(`${JSON.stringify(assessment, null, 2)}\n`);
      else {
        io.stdout(`${assessment.photosOnPhone} photos and videos on the iPhone now; ${assessment.looksErased ? 'it looks freshly erased.' : 'it does not look erased.'}\n`);
        for (const candidate of assessment.candidates) {
          io.stdout(`  ${candidate.id}  ${candidate.createdAt ?? 'unknown date'}  ${candidate.photoCount === undefined ? 'photos: unknown (encrypted)' : `${candidate.photoCount} photos`}  ${candidate.path}\n`);
        }
      }
      return ExitCode.ok;
    }
    const backupRef = stringFlag(args, 'backup');
    const password = await passwordFromArgs(args, io);
    const renderer = createProgressRenderer(io, chooseProgressStyle(io, json));
    const result = await runRestore({
      udid: stringFlag(args, 'udid'),
      muxAddress,
      backupRoot,
      backup: backupRef === undefined ? undefined : await backupFolderFromArgs(backupRef, args, io),
      password,
      // Everything, as iTunes does; idevicebackup2's default (no system files) leaves the keychain behind.
      systemFiles: args.flags.get('no-system') !== true,
      settings: args.flags.get('settings') === true,
      reboot: args.flags.get('no-reboot') !== true,
      skipApps: args.flags.get('skip-apps') === true,
      idleTimeoutMs: resolveIdleTimeoutMs(undefined, io.env),
      signal,
      onProgress: (progress) => renderer.update(restoreView(progress)),
    }).finally(() => renderer.end());
    if (json) io.stdout(jsonLine('result', result));
    else {
      const reboot = result.rebooted ? ' The iPhone restarted and is back.' : '';
      io.stdout(`Restored ${result.filesSent} files (${formatBytes(result.bytesSent)}) from ${result.backupFolder} in ${formatDuration(result.durationMs / 1000)}.${reboot}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    // With --json stdout is NDJSON: the error is its last line, like `lifeboat backup`'s.
    if (json && error instanceof BackupError) io.stdout(jsonLine('error', { code: error.code, message: error.message }));
    return reportBackupError(error, io, false);
  }
}

/** Machine words for --json and the line's label; the restart gets a sentence too. */
const PHASE_NAMES: Readonly<Record<RestoreProgress['phase'], string>> = {
  checking: 'checking',
  preparing: 'preparing',
  restoring: 'restoring',
  rebooting: 'restarting',
  done: 'done',
};

/** A restore's moment for the shared renderers: no totals, as the phone chooses what it asks for. */
function restoreView(progress: RestoreProgress): ProgressView {
  return {
    percent: progress.percent,
    filesDone: progress.filesDone,
    bytesDone: progress.bytesDone,
    ...(progress.etaSeconds === undefined ? {} : { etaSeconds: progress.etaSeconds }),
    ...(progress.phase === 'rebooting' ? { current: 'the iPhone is restarting; waiting for it to come back' } : {}),
    phase: PHASE_NAMES[progress.phase],
  };
}
