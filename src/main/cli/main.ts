import { pathToFileURL } from 'node:url';
import { DeviceError } from '../device/errors';
import { type CliIo, parseArgs, processIo, UsageError } from './cli-io';
import { DEVICES_USAGE, devicesCommand } from './commands/devices-command';
import { PAIR_USAGE, pairCommand } from './commands/pair-command';
import { PHOTOS_USAGE, photosCommand } from './commands/photos-command';
import { RESTORE_USAGE, restoreCommand } from './commands/restore-command';
import { BROWSE_USAGE, browseCommand } from './commands/browse-command';
import { EXTRACT_USAGE, extractCommand } from './commands/extract-command';
import { BACKUP_USAGE, backupCommand } from './commands/backup-command';
import { BACKUPS_USAGE, backupsCommand } from './commands/backups-command';
import { VERIFY_USAGE, verifyCommand } from './commands/verify-command';
import { DELETE_USAGE, deleteCommand } from './commands/delete-command';
import { ENCRYPTION_USAGE, encryptionCommand } from './commands/encryption-command';
import { ExitCode, exitCodeFor } from './exit-codes';

const USAGE = [
  'Usage:',
  `  ${DEVICES_USAGE}    list connected iPhones, their trust state and summary`,
  `  ${PAIR_USAGE}    make this computer trusted by an iPhone`,
  `  ${PHOTOS_USAGE}    copy new photos and videos into DIR/YYYY/MM`,
  `  ${RESTORE_USAGE}    put a backup back onto the iPhone (password read from stdin)`,
  `  ${BROWSE_USAGE}    see what a backup holds`,
  `  ${EXTRACT_USAGE}    copy files out of a backup, with their dates`,
  `  ${BACKUP_USAGE}    back up the iPhone`,
  `  ${BACKUPS_USAGE}    list the backups and their snapshots`,
  `  ${VERIFY_USAGE}    check that every file of a backup is there`,
  `  ${DELETE_USAGE}    delete a backup`,
  `  ${ENCRYPTION_USAGE}    turn encrypted backups on or off, change the password`,
  '',
  'USBMUXD_SOCKET_ADDRESS (UNIX:/path, host:port or [v6]:port) points Lifeboat at another usbmuxd.',
  'LIFEBOAT_BACKUP_ROOT (or --backup-root DIR) chooses the folder that holds the backups.',
  '',
].join('\n');

/** Options that take a value, so `--udid X` is not read as a boolean plus a stray argument. */
const VALUE_FLAGS: ReadonlySet<string> = new Set(['udid', 'timeout', 'wait', 'to', 'backup-root', 'camera-roll', 'keep-last', 'backup', 'search']);

/** Runs one command line and returns its exit code; never throws and never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo = processIo, signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      (command === undefined ? io.stderr : io.stdout)(USAGE);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
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
