import { formatBytes, formatDuration } from '../../../shared/format';
import { resolveIdleTimeoutMs } from '../../backup/engine/idle-timeout';
import { type RestoreEngineOptions, type RestoreSourceFacts, runRestoreJob } from '../../core/restore-job';
import { assessErasedPhone, readRestoreMetadata, restoreFolderFor, type RestoreProgress, type RestoreResult, runRestore } from '../../restore';
import { type CliIo, checkFlags, type ParsedArgs, stringFlag, UsageError } from '../cli-io';
import { chooseUdid, muxAddressOf, refusePasswordArgument, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';
import { readPasswords } from '../password-input';
import { jsonLine } from '../progress-json';
import { chooseProgressStyle, createProgressRenderer } from '../progress-renderer';
import type { ProgressView } from '../progress-view';
import { TerminalPasswordPrompt } from '../terminal-password-prompt';

/**
 * `lifeboat restore`: puts a backup back onto the iPhone (default: its latest backup here), with
 * everything in it as iTunes and Finder do, system files included (the keychain, Wi-Fi, saved
 * passwords); `--no-system` leaves them out. The checks run first and say what to do; progress
 * goes to stderr (a bar on a terminal, lines when piped) or, with --json, NDJSON to stdout, as for
 * `lifeboat backup`; then the result. `--candidates` only lists the backups that hold this phone's
 * photos (after an erase).
 */
export async function restoreCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  refusePasswordArgument(args);
  if (args.positional.length > 0) throw new UsageError(`Unexpected argument "${args.positional[0]}".`);
  checkFlags(args, ['udid', 'backup', 'backup-root', 'password-stdin', 'system', 'no-system', 'no-reboot', 'settings', 'skip-apps', 'candidates', 'json']);
  if (args.flags.has('system') && args.flags.has('no-system')) throw new UsageError('Choose --system or --no-system, not both.');
  const json = args.flags.get('json') === true;
  const muxAddress = muxAddressOf(io);
  const backupRoot = stringFlag(args, 'backup-root') ?? io.env['LIFEBOAT_BACKUP_ROOT'];
  if (args.flags.get('candidates') === true) {
    try {
      return await listCandidates(args, io, json, backupRoot, muxAddress);
    } catch (error) {
      return reportFailure(io, error, json);
    }
  }
  const renderer = createProgressRenderer(io, chooseProgressStyle(io, json));
  const prompt = new TerminalPasswordPrompt(io, renderer, signal);
  try {
    // Read up front, as `lifeboat backup` does, so no prompt interrupts the progress bar.
    const password = args.flags.get('password-stdin') === true ? (await readPasswords(io, { fromStdin: true, prompts: ['Backup password'] }))[0] : undefined;
    const udid = await chooseUdid(args, io);
    const backupRef = stringFlag(args, 'backup');
    // The folder and whether it is encrypted, so the password is asked for before the phone is
    // touched. No phone and no --backup: the engine says in its own words that none is connected.
    const backupPath = backupRef !== undefined ? await restoreFolderFor({ backup: backupRef }, backupRoot) : udid !== undefined ? await restoreFolderFor({ udid }, backupRoot) : undefined;
    const source = backupPath === undefined ? undefined : sourceFactsOf(backupPath);
    // The app's own restore orchestration (core/restore-job.ts) over the engine, whose result and
    // phases are the CLI's documented output.
    const engine = (options: RestoreEngineOptions): Promise<RestoreResult> =>
      runRestore({
        ...(options.udid === undefined ? {} : { udid: options.udid }),
        muxAddress,
        backupRoot,
        // The phone's own backup is left to the engine, which says so when there is none yet.
        ...(backupRef === undefined ? {} : { backup: backupPath }),
        ...(options.password === undefined ? {} : { password: options.password }),
        systemFiles: options.system,
        settings: options.settings,
        reboot: options.reboot,
        skipApps: args.flags.get('skip-apps') === true,
        idleTimeoutMs: resolveIdleTimeoutMs(undefined, io.env),
        signal: options.signal,
        onProgress: (progress) => renderer.update(restoreView(progress)),
      });
    const result = await prompt.answering((withPassword) =>
      runRestoreJob(
        { runEngine: engine, withPassword },
        {
          udid,
          backupPath: backupPath ?? '',
          source,
          ...(password === undefined ? {} : { password }),
          // Everything, as iTunes does; idevicebackup2's default (no system files) leaves the keychain behind.
          system: args.flags.get('no-system') !== true,
          settings: args.flags.get('settings') === true,
          reboot: args.flags.get('no-reboot') !== true,
        },
        { signal: signal ?? new AbortController().signal, report: () => undefined },
      ),
    );
    renderer.end();
    if (json) io.stdout(jsonLine('result', result));
    else {
      const reboot = result.rebooted ? ' The iPhone restarted and is back.' : '';
      io.stdout(`Restored ${result.filesSent} files (${formatBytes(result.bytesSent)}) from ${result.backupFolder} in ${formatDuration(result.durationMs / 1000)}.${reboot}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    renderer.end();
    // With --json stdout is NDJSON: the error is its last line, like `lifeboat backup`'s.
    return reportFailure(io, error, json);
  }
}

async function listCandidates(args: ParsedArgs, io: CliIo, json: boolean, backupRoot: string | undefined, muxAddress: string | undefined): Promise<number> {
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

/** Whether the backup is encrypted and whose it is; undefined when it cannot be read, which the engine then reports. */
function sourceFactsOf(folder: string): RestoreSourceFacts | undefined {
  try {
    const metadata = readRestoreMetadata(folder);
    return { encrypted: metadata.encrypted, owner: metadata.udid };
  } catch {
    return undefined;
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
