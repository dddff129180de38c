import path from 'node:path';
import { formatBytes, formatDuration } from '../../../shared/format';
import { WAIT_SENTENCES } from '../../../shared/wait-words';
import { type BackupProgress, type BackupResult, DEFAULT_RETENTION, resolveIdleTimeoutMs, runBackup, type RetentionPolicy } from '../../backup/engine';
import type { BackupRunOptions } from '../../core/backends';
import { runBackupJob } from '../../core/backup-job';
import { type CliIo, checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { backupRootOf, chooseUdid, muxAddressOf, plural, refusePasswordArgument, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';
import { readPasswords } from '../password-input';
import { chooseProgressStyle, createProgressRenderer } from '../progress-renderer';
import type { ProgressView } from '../progress-view';
import { jsonLine } from '../progress-json';
import { TerminalPasswordPrompt } from '../terminal-password-prompt';

/**
 * `lifeboat backup`: one backup of the phone into `<root>/<UDID>` (the previous one becomes a
 * snapshot). Progress on stderr (bar on a terminal, a line per 5 % when piped), the summary on
 * stdout; `--json` writes NDJSON progress events and a final result line to stdout instead.
 * Ctrl-C cancels cleanly (exit 130) and leaves the previous backup as it was.
 */
export async function backupCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  refusePasswordArgument(args);
  checkFlags(args, ['udid', 'full', 'camera-roll', 'password-stdin', 'keep-last', 'keep-monthly', 'keep-all', 'backup-root', 'json']);
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  const json = args.flags.get('json') === true;
  const cameraRoll = cameraRollOf(args);
  const retention = retentionOf(args);
  const backupRoot = backupRootOf(args, io);
  const passwordFromStdin = args.flags.get('password-stdin') === true;

  const renderer = createProgressRenderer(io, chooseProgressStyle(io, json));
  const prompt = new TerminalPasswordPrompt(io, renderer, signal);
  try {
    const udid = await chooseUdid(args, io);
    // Read up front so a prompt never interrupts a progress bar; it only matters for leaving the
    // Camera Roll out of an encrypted backup (the phone encrypts by itself).
    const password = passwordFromStdin ? (await readPasswords(io, { fromStdin: true, prompts: ['Backup password'] }))[0] : undefined;
    // The app's own backup orchestration (core/backup-job.ts), without the wait for an unlock:
    // a script wants exit 4 for a locked phone, not a command that hangs until someone comes by.
    const engine = ({ udid: _chosen, ...options }: BackupRunOptions): Promise<BackupResult> =>
      runBackup({
        ...options,
        // No phone found: the engine says in its own words that no iPhone is connected (exit 2).
        ...(udid === undefined ? {} : { udid }),
        idleTimeoutMs: resolveIdleTimeoutMs(undefined, io.env),
        // The engine's own progress, not the job queue's: its phases are the CLI's documented ones.
        onProgress: (progress) => renderer.update(viewOf(progress), json ? detailsOf(progress) : undefined),
      });
    const result = await prompt.answering((withPassword) =>
      runBackupJob(
        { runEngine: engine, withPassword },
        {
          udid: udid ?? '',
          backupRoot,
          full: args.flags.get('full') === true,
          cameraRoll: cameraRoll ?? true,
          retention,
          ...(muxAddressOf(io) ? { muxAddress: muxAddressOf(io) } : {}),
          ...(password === undefined ? {} : { password }),
        },
        { signal: signal ?? new AbortController().signal, report: () => undefined },
      ),
    );
    renderer.end();
    if (json) io.stdout(jsonLine('result', result));
    else io.stdout(summaryOf(result));
    return ExitCode.ok;
  } catch (error) {
    renderer.end();
    return reportFailure(io, error, json);
  }
}

function cameraRollOf(args: ParsedArgs): boolean | undefined {
  const value = stringFlag(args, 'camera-roll');
  if (value === undefined) return undefined;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`--camera-roll must be "on" or "off", not "${value}".`);
}

/** The default (last 10, one a month for a year), with --keep-last / --keep-monthly changing either half, or --keep-all. */
function retentionOf(args: ParsedArgs): RetentionPolicy {
  const keepLast = countFlag(args, 'keep-last', 'older backups to keep');
  const keepMonthly = countFlag(args, 'keep-monthly', 'months to keep one backup of');
  if (args.flags.get('keep-all') === true) {
    if (keepLast !== undefined || keepMonthly !== undefined) throw new UsageError('--keep-all keeps every backup: it cannot be combined with --keep-last or --keep-monthly.');
    return {};
  }
  return { keepLast: keepLast ?? DEFAULT_RETENTION.keepLast, keepMonthly: keepMonthly ?? DEFAULT_RETENTION.keepMonthly };
}

function countFlag(args: ParsedArgs, name: string, what: string): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number of ${what}, not "${value}".`);
  return Number(value);
}

function viewOf(progress: BackupProgress): ProgressView {
  return {
    percent: progress.percent,
    filesDone: progress.filesDone,
    // No totals: the phone never says how much a backup will hold (its used space is not it).
    bytesDone: progress.bytesDone,
    bytesPerSecond: progress.bytesPerSecond,
    etaSeconds: progress.etaSeconds,
    current: progress.domain,
    phase: progress.phase,
    // The phone waits for its owner: say what to do, in the app's words, not the phase's name.
    ...(progress.phase === 'waiting-for-passcode' ? { waiting: WAIT_SENTENCES.passcode } : {}),
  };
}

/** The engine's own field names too, so scripts can use either. */
function detailsOf(progress: BackupProgress): object {
  return { domain: progress.domain };
}

export function summaryOf(result: BackupResult): string {
  const lines = [
    `Backed up ${result.udid} to ${result.folder}`,
    `  ${result.isFullBackup ? 'full' : 'incremental'} backup${result.isEncrypted ? ', encrypted' : ''}: ${plural(result.filesReceived, 'file')}, ${formatBytes(result.bytesReceived)} received in ${formatDuration(result.durationMs / 1000)}`,
  ];
  if (result.cameraRollFilesSkipped > 0) lines.push(`  Camera Roll left out: ${plural(result.cameraRollFilesSkipped, 'file')}, ${formatBytes(result.cameraRollBytesSaved)} saved`);
  if (result.previousSnapshot) lines.push(`  the previous backup is kept as ${path.relative(result.backupRoot, result.previousSnapshot)}`);
  if (result.prunedSnapshots.length > 0) lines.push(`  removed ${plural(result.prunedSnapshots.length, 'earlier backup')}`);
  if (result.filesFailedOnDevice.length > 0) {
    lines.push(`  the iPhone could not send ${plural(result.filesFailedOnDevice.length, 'file')}: ${result.filesFailedOnDevice.slice(0, 5).join(', ')}${result.filesFailedOnDevice.length > 5 ? ', …' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
