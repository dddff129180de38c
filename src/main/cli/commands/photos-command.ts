import path from 'node:path';
import { formatBytes, formatTimeLeft } from '../../../shared/format';
import { checkPhotoImportRequest, runPhotoImportJob } from '../../core/photo-import-job';
import { importPhotos, type PhotoImportProgress, type PhotoImportResult, PhotoImportError } from '../../photos';
import { type CliIo, checkFlags, type ParsedArgs, processIo, stringFlag, UsageError } from '../cli-io';
import { chooseUdid, muxAddressOf, reportFailure } from '../command-support';
import { ExitCode } from '../exit-codes';
import { exitCodeFor } from '../failure-exit-code';
import { timeoutFromArgs } from './devices-command';

/** How often the one-line progress of a terminal is redrawn. */
const TERMINAL_REDRAW_MS = 100;

/**
 * `lifeboat photos import`: copies the iPhone's Camera Roll into DIR/<YYYY>/<MM>/, only what is
 * new since the last import. Progress goes to stderr (one redrawn line on a terminal, one line per
 * file when piped); the summary, or with --json the result object, to stdout. Ctrl-C cancels and
 * keeps the photos already copied. `--again` also copies photos deleted from DIR since. It runs
 * core's photo import (core/photo-import-job.ts) as the app does, with the app's request rules,
 * and its exit codes come from the app's error codes (failure-exit-code.ts).
 */
export async function photosCommand(args: ParsedArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  const [subcommand, ...extra] = args.positional;
  if (subcommand !== 'import') throw new UsageError(subcommand === undefined ? 'Say what to do with the photos: lifeboat photos import --to DIR.' : `Unknown photos command "${subcommand}".`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  checkFlags(args, ['to', 'udid', 'json', 'again', 'timeout', 'convert-heic', 'jpeg-only']);
  const to = stringFlag(args, 'to');
  if (to === undefined || to === '') throw new UsageError('Choose the folder to import into with --to DIR.');
  const json = args.flags.get('json') === true;
  const timeoutMs = timeoutFromArgs(args);
  const muxAddress = muxAddressOf(io);
  const reporter = json ? undefined : new ProgressReporter(io);
  let result: PhotoImportResult;
  try {
    // The app's own request rules (core): a relative --to is this shell's, so it is resolved here first.
    const request = checkPhotoImportRequest({
      udid: undefined,
      destination: path.resolve(to),
      ...(muxAddress === undefined ? {} : { muxAddress }),
      reimportDeleted: args.flags.get('again') === true,
      convertHeicToJpeg: args.flags.get('convert-heic') === true,
      keepHeicOriginals: args.flags.get('jpeg-only') !== true,
    });
    const udid = await chooseUdid(args, io);
    result = await runPhotoImportJob((run) => importPhotos({ ...run, timeoutMs }), { ...request, udid }, {
      signal: signal ?? new AbortController().signal,
      // The importer's own progress, not the job queue's: the CLI prints each file it copies.
      onProgress: (progress: PhotoImportProgress) => reporter?.update(progress),
    });
  } catch (error) {
    reporter?.end();
    if (json && error instanceof PhotoImportError) {
      io.stdout(`${JSON.stringify({ ...error.result, error: { code: error.code, message: error.message } }, null, 2)}\n`);
      io.stderr(`lifeboat: ${error.message}\n`);
      return exitCodeFor(error);
    }
    return reportFailure(io, error, json);
  }
  reporter?.end();
  if (json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    io.stdout(`${summaryOf(result)}\n`);
  }
  for (const failure of result.failed) io.stderr(`lifeboat: could not copy ${failure.path}: ${failure.reason}\n`);
  for (const problem of result.notConverted) io.stderr(`lifeboat: copied ${problem.path} but did not convert it to JPEG: ${problem.reason}\n`);
  // Some photos were not copied (the phone refused them, or this computer would not take them):
  // scripts must notice, even though the others were.
  return result.failed.length > 0 ? ExitCode.deviceError : ExitCode.ok;
}

export function summaryOf(result: PhotoImportResult): string {
  const files = (count: number): string => `${count} ${count === 1 ? 'file' : 'files'}`;
  const { photos, videos, livePhotos, companions } = result.counts;
  // Photos and videos as a person counts them: a Live Photo once, its video, edits and sidecars not again.
  const what = [`${photos} ${photos === 1 ? 'photo' : 'photos'}${livePhotos > 0 ? ` (${livePhotos} Live)` : ''}`, `${videos} ${videos === 1 ? 'video' : 'videos'}`];
  if (companions > 0) what.push(`${companions} ${companions === 1 ? 'edit or sidecar' : 'edits and sidecars'}`);
  const parts = [`Imported ${what.join(', ')}: ${files(result.imported)} (${formatBytes(result.bytes)}) into ${result.destination}.`];
  if (result.converted > 0) parts.push(`${result.converted} HEIC ${result.converted === 1 ? 'photo was' : 'photos were'} also saved as JPEG.`);
  if (result.skipped > 0) parts.push(`${files(result.skipped)} had been imported before.`);
  if (result.renamedMatches > 0) parts.push(`${files(result.renamedMatches)} had been imported before under another name.`);
  if (result.failed.length > 0) parts.push(`${files(result.failed.length)} could not be copied (listed below).`);
  return parts.join(' ');
}

/** Progress on stderr: a redrawn line on a terminal, a line per finished file otherwise. */
class ProgressReporter {
  private readonly terminal: boolean;
  private lastDraw = 0;
  private lastFile: string | undefined;
  private filesReported = 0;
  private announcedCopy = false;
  private drawn = false;

  constructor(private readonly io: CliIo) {
    this.terminal = io === processIo && process.stderr.isTTY === true;
  }

  update(progress: PhotoImportProgress): void {
    if (progress.phase === 'scanning') {
      if (this.lastDraw === 0) this.io.stderr('Looking at the photos on the iPhone…\n');
      this.lastDraw = 1;
      return;
    }
    if (!this.announcedCopy) {
      this.announcedCopy = true;
      const known = progress.skipped + progress.renamedMatches;
      this.io.stderr(`Found ${progress.filesFound} ${progress.filesFound === 1 ? 'file' : 'files'}: ${progress.filesTotal} new to copy (${formatBytes(progress.bytesTotal)}), ${known} imported before.\n`);
    }
    if (progress.currentFile !== undefined) this.lastFile = progress.currentFile;
    if (this.terminal) {
      const now = Date.now();
      if (progress.phase !== 'finished' && now - this.lastDraw < TERMINAL_REDRAW_MS) return;
      this.lastDraw = now;
      this.io.stderr(`\r\u001b[2K${this.line(progress, progress.currentFile ?? this.lastFile)}`);
      this.drawn = true;
      return;
    }
    while (this.filesReported < progress.filesDone) {
      this.filesReported += 1;
      this.io.stderr(`${this.line(progress, this.lastFile)}\n`);
    }
  }

  end(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }

  private line(progress: PhotoImportProgress, file: string | undefined): string {
    const percent = progress.bytesTotal > 0 ? Math.floor((progress.bytesDone / progress.bytesTotal) * 100) : 100;
    const speed = progress.bytesPerSecond === undefined ? '' : `, ${formatBytes(progress.bytesPerSecond)}/s`;
    const eta = progress.etaSeconds === undefined || progress.phase === 'finished' ? '' : `, about ${formatTimeLeft(progress.etaSeconds)} left`;
    return `[${progress.filesDone}/${progress.filesTotal}] ${percent}% of ${formatBytes(progress.bytesTotal)}${speed}${eta}${file === undefined ? '' : `  ${file}`}`;
  }
}
