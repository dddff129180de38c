import { pathToFileURL } from 'node:url';
import { DeviceError } from '../device/errors';
import { type CliIo, parseArgs, type ParsedArgs, processIo, UsageError } from './cli-io';
import { cliVersion } from './cli-version';
import { asksForHelp, commandUsage, overallUsage } from './command-help';
import { ExitCode } from './exit-codes';

type Command = (args: ParsedArgs, io: CliIo, signal?: AbortSignal) => Promise<number>;

/**
 * Each command is imported when it runs, never at start: the commands pull in the device stack,
 * better-sqlite3 and X.509, which `--help` and `devices` must not pay for (issue 16: the CLI
 * starts at once). In the bundle (scripts/build-cli.ts) each import is a chunk of its own.
 */
const COMMANDS: Readonly<Record<string, Command>> = {
  devices: async (args, io) => (await import('./commands/devices-command')).devicesCommand(args, io),
  pair: async (args, io, signal) => (await import('./commands/pair-command')).pairCommand(args, io, signal),
  photos: async (args, io, signal) => (await import('./commands/photos-command')).photosCommand(args, io, signal),
  restore: async (args, io, signal) => (await import('./commands/restore-command')).restoreCommand(args, io, signal),
  browse: async (args, io, signal) => (await import('./commands/browse-command')).browseCommand(args, io, signal),
  extract: async (args, io, signal) => (await import('./commands/extract-command')).extractCommand(args, io, signal),
  backup: async (args, io, signal) => (await import('./commands/backup-command')).backupCommand(args, io, signal),
  backups: async (args, io) => (await import('./commands/backups-command')).backupsCommand(args, io),
  verify: async (args, io, signal) => (await import('./commands/verify-command')).verifyCommand(args, io, signal),
  delete: async (args, io, signal) => (await import('./commands/delete-command')).deleteCommand(args, io, signal),
  encryption: async (args, io, signal) => (await import('./commands/encryption-command')).encryptionCommand(args, io, signal),
  serve: async (args, io, signal) => (await import('./commands/serve-command')).serveCommand(args, io, signal),
};

const USAGE = overallUsage();

/** Options that take a value, so `--udid X` is not read as a boolean plus a stray argument. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(['udid', 'timeout', 'wait', 'to', 'backup-root', 'camera-roll', 'keep-last', 'keep-monthly', 'backup', 'search', 'port', 'host', 'static-dir']);

/** Runs one command line and returns its exit code; never throws and never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo = processIo, signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const topic = command === 'help' && rest[0] !== undefined ? commandUsage(rest[0]) : undefined;
    if (topic !== undefined) {
      io.stdout(topic);
      return ExitCode.ok;
    }
    if (command === '--version' || command === '-V') {
      io.stdout(`lifeboat ${cliVersion()}\n`);
      return ExitCode.ok;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      (command === undefined ? io.stderr : io.stdout)(USAGE);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    }
    const help = asksForHelp(rest) ? commandUsage(command) : undefined;
    if (help !== undefined) {
      io.stdout(help);
      return ExitCode.ok;
    }
    const args = parseArgs(rest, VALUE_FLAGS);
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (run === undefined) throw new UsageError(`Unknown command "${command}".`);
    return await run(args, io, signal);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}`);
      return ExitCode.usage;
    }
    const message = error instanceof DeviceError ? error.message : `Unexpected failure: ${(error as Error).stack ?? String(error)}`;
    io.stderr(`lifeboat: ${message}\n`);
    // Loaded only on failure: the error table reaches into core and zod, which `--help` must not load.
    return (await import('./failure-exit-code')).exitCodeFor(error);
  }
}

const SERVE_EXIT_GRACE_MS = 2_000;

/** Entry for bin/lifeboat.mjs and `tsx src/main/cli/main.ts`: Ctrl-C cancels pairing cleanly. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    process.exitCode = await runCli(argv, processIo, controller.signal);
    // `serve` ran the app core: a thread port left from a finished backup can hold the event loop after
    // everything was closed (seen after SIGTERM), and a server told to stop must stop. Unref'd, so it
    // only fires when something is still holding the process.
    if (argv[0] === 'serve') setTimeout(() => process.exit(), SERVE_EXIT_GRACE_MS).unref();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
