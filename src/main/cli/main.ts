import { pathToFileURL } from 'node:url';
import { DeviceError } from '../device/errors';
import { type CliIo, parseArgs, processIo, UsageError } from './cli-io';
import { asksForHelp, commandUsage, overallUsage } from './command-help';
import { devicesCommand } from './commands/devices-command';
import { pairCommand } from './commands/pair-command';
import { photosCommand } from './commands/photos-command';
import { restoreCommand } from './commands/restore-command';
import { browseCommand } from './commands/browse-command';
import { extractCommand } from './commands/extract-command';
import { backupCommand } from './commands/backup-command';
import { backupsCommand } from './commands/backups-command';
import { verifyCommand } from './commands/verify-command';
import { deleteCommand } from './commands/delete-command';
import { encryptionCommand } from './commands/encryption-command';
import { ExitCode, exitCodeFor } from './exit-codes';

const USAGE = overallUsage();

/** Options that take a value, so `--udid X` is not read as a boolean plus a stray argument. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(['udid', 'timeout', 'wait', 'to', 'backup-root', 'camera-roll', 'keep-last', 'keep-monthly', 'backup', 'search']);

/** Runs one command line and returns its exit code; never throws and never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo = processIo, signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const topic = command === 'help' && rest[0] !== undefined ? commandUsage(rest[0]) : undefined;
    if (topic !== undefined) {
      io.stdout(topic);
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
    switch (command) {
      case 'devices':
        return await devicesCommand(args, io);
      case 'pair':
        return await pairCommand(args, io, signal);
      case 'photos':
        return await photosCommand(args, io, signal);
      case 'restore':
        return await restoreCommand(args, io, signal);
      case 'browse':
        return await browseCommand(args, io);
      case 'extract':
        return await extractCommand(args, io, signal);
      case 'backup':
        return await backupCommand(args, io, signal);
      case 'backups':
        return await backupsCommand(args, io);
      case 'verify':
        return await verifyCommand(args, io, signal);
      case 'delete':
        return await deleteCommand(args, io, signal);
      case 'encryption':
        return await encryptionCommand(args, io, signal);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}`);
      return ExitCode.usage;
    }
    const message = error instanceof DeviceError ? error.message : `Unexpected failure: ${(error as Error).stack ?? String(error)}`;
    io.stderr(`lifeboat: ${message}\n`);
    return exitCodeFor(error);
  }
}

/** Entry for bin/lifeboat.mjs and `tsx src/main/cli/main.ts`: Ctrl-C cancels pairing cleanly. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    process.exitCode = await runCli(argv, processIo, controller.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
