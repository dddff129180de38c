// Here rather than beside each command, so `--help` loads no command (and nothing the commands load).
const BACKUP_USAGE = 'lifeboat backup [--udid UDID] [--full] [--camera-roll on|off] [--password-stdin] [--keep-last N] [--keep-monthly N] [--keep-all] [--backup-root DIR] [--json]';
const BACKUPS_USAGE = 'lifeboat backups [--udid UDID] [--backup-root DIR] [--json]';
const BROWSE_USAGE = 'lifeboat browse BACKUP [Domain/path] [--search TEXT] [--apps] [--password-stdin] [--json]';
const DELETE_USAGE = 'lifeboat delete BACKUP [--yes] [--with-snapshots] [--backup-root DIR] [--json]';
const DEVICES_USAGE = 'lifeboat devices [--json] [--timeout SECONDS]';
const ENCRYPTION_USAGE = 'lifeboat encryption [status|on|off|change-password] [--udid UDID] [--password-stdin] [--json]';
const EXTRACT_USAGE = 'lifeboat extract BACKUP Domain/path --to DIR [--password-stdin] [--json]';
const PAIR_USAGE = 'lifeboat pair [--udid UDID] [--wait SECONDS] [--timeout SECONDS]';
const PHOTOS_USAGE = 'lifeboat photos import --to DIR [--udid UDID] [--again] [--convert-heic [--jpeg-only]] [--json]';
const RESTORE_USAGE = 'lifeboat restore [--udid U] [--backup ID|DIR] [--password-stdin] [--no-system] [--settings] [--no-reboot] [--skip-apps] [--candidates] [--json]';
const SERVE_USAGE = 'lifeboat serve [--port N] [--host 127.0.0.1] [--backup-root DIR]';
const VERIFY_USAGE = 'lifeboat verify BACKUP [--password-stdin] [--backup-root DIR] [--json]';

/**
 * What `lifeboat --help` and `lifeboat <command> --help` (or `-h`) say: each command's usage, what
 * it does, and the options whose meaning is not obvious from their name.
 */
interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  readonly details?: readonly string[];
}

const PASSWORD_STDIN = '--password-stdin      read the backup password from the first line of stdin (never from the command line)';
const BACKUP_ROOT = '--backup-root DIR     the folder that holds the backups (default: LIFEBOAT_BACKUP_ROOT, then the platform’s usual place)';
const JSON_OUTPUT = '--json                machine-readable output on stdout';
const BACKUP_ARGUMENT = 'BACKUP is a backup folder, a catalog id (or its start) from "lifeboat backups", or a UDID (that phone’s latest backup).';

const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  devices: { usage: DEVICES_USAGE, summary: 'list connected iPhones, their trust state and summary' },
  pair: { usage: PAIR_USAGE, summary: 'make this computer trusted by an iPhone', details: ['--wait SECONDS        how long to wait for someone to tap Trust on the iPhone'] },
  photos: {
    usage: PHOTOS_USAGE,
    summary: 'copy new photos and videos into DIR/YYYY/MM',
    details: [
      '--again               also copy photos imported before but deleted from DIR since',
      '--convert-heic        also save each HEIC photo as a JPEG beside it (for programs that cannot open HEIC)',
      '--jpeg-only           with --convert-heic: keep only the JPEG, not the HEIC original',
      JSON_OUTPUT,
    ],
  },
  restore: {
    usage: RESTORE_USAGE,
    summary: 'put a backup back onto the iPhone',
    details: [
      'Restores everything the backup holds, as iTunes and Finder do, including system files (the keychain,',
      'Wi-Fi networks, saved passwords), then lets the iPhone restart and waits until it is back.',
      'An encrypted backup’s password is asked for on the terminal (not shown as typed), or read with --password-stdin.',
      '--backup ID|DIR       the backup to restore (default: this iPhone’s latest backup here)',
      '--no-system           leave system files out: only apps’ data and the Camera Roll are restored',
      '--system              restore system files (the default; kept for scripts that say so)',
      '--settings            also restore the backup’s settings over the iPhone’s own',
      '--no-reboot           do not restart the iPhone at the end (it needs a restart to use what was restored)',
      '--skip-apps           do not ask the iPhone to reinstall the backup’s apps',
      '--candidates          only list the backups that hold this iPhone’s photos (after an erase)',
      PASSWORD_STDIN,
      '--json                NDJSON progress events, then one result (or error) line, on stdout',
    ],
  },
  browse: {
    usage: BROWSE_USAGE,
    summary: 'see what a backup holds',
    details: [BACKUP_ARGUMENT, '--search TEXT         files whose path contains TEXT', '--apps                the apps in the backup and their sizes', PASSWORD_STDIN, JSON_OUTPUT],
  },
  extract: { usage: EXTRACT_USAGE, summary: 'copy files out of a backup, with their dates', details: [BACKUP_ARGUMENT, PASSWORD_STDIN] },
  backup: {
    usage: BACKUP_USAGE,
    summary: 'back up the iPhone',
    details: [
      '--full                send every file again instead of only what changed',
      '--camera-roll on|off  include the Camera Roll or leave it out (default: this iPhone’s setting)',
      '--keep-last N         keep the N newest older backups of this iPhone (default 10)',
      '--keep-monthly N      and the newest of each of the last N months (default 12)',
      '--keep-all            keep every older backup',
      '--password-stdin      the backup password, needed to leave the Camera Roll out of an encrypted backup',
      BACKUP_ROOT,
      '--json                NDJSON progress events, then one result (or error) line, on stdout',
    ],
  },
  backups: { usage: BACKUPS_USAGE, summary: 'list the backups: each phone\'s latest and its earlier ones', details: [BACKUP_ROOT, JSON_OUTPUT] },
  verify: { usage: VERIFY_USAGE, summary: 'check that every file of a backup is there', details: [BACKUP_ARGUMENT, PASSWORD_STDIN, BACKUP_ROOT, JSON_OUTPUT] },
  delete: {
    usage: DELETE_USAGE,
    summary: 'delete a backup',
    details: [BACKUP_ARGUMENT, '--yes                 do not ask first', '--with-snapshots      also delete its earlier backups', BACKUP_ROOT, JSON_OUTPUT],
  },
  serve: {
    usage: SERVE_USAGE,
    summary: 'the app’s web interface for the iPhones this machine’s usbmuxd sees (a server without a screen)',
    details: [
      `--port N              where to listen (default 8370; 0 picks a free port)`,
      '--host ADDRESS        127.0.0.1 by default, so only this machine reaches it; another address also needs',
      '                      --allow-remote, and is plain HTTP: anyone on that network who gets the address gets in',
      '--static-dir DIR      the built interface (default: dist/renderer of this Lifeboat, from npm run build:web)',
      BACKUP_ROOT,
      'It prints an address with a one-time token. From another computer, tunnel over SSH and open it there:',
      '  ssh -N -L 8370:127.0.0.1:8370 you@server      then open http://127.0.0.1:8370/?token=… locally',
      'LIFEBOAT_USER_DATA_DIR moves the settings file. Stop it with Ctrl+C (or SIGTERM).',
    ],
  },
  encryption: {
    usage: ENCRYPTION_USAGE,
    summary: 'turn encrypted backups on or off, change the password',
    details: ['The iPhone keeps the setting and encrypts by itself. Passwords are asked for, or read from stdin', '(two lines, old then new, for change-password).', PASSWORD_STDIN],
  },
};

const ENVIRONMENT = [
  'USBMUXD_SOCKET_ADDRESS (UNIX:/path, host:port or [v6]:port) points Lifeboat at another usbmuxd.',
  'LIFEBOAT_BACKUP_ROOT (or --backup-root DIR) chooses the folder that holds the backups.',
];

/** `lifeboat --help`: every command with its usage and what it does. */
export function overallUsage(): string {
  const commands = Object.values(COMMAND_HELP).map((help) => `  ${help.usage}\n      ${help.summary}`);
  return ['Usage:', ...commands, '', 'Run "lifeboat COMMAND --help" for what its options mean.', '', ...ENVIRONMENT, ''].join('\n');
}

/** `lifeboat COMMAND --help`; undefined for a command that does not exist. */
export function commandUsage(command: string): string | undefined {
  const help = Object.hasOwn(COMMAND_HELP, command) ? COMMAND_HELP[command] : undefined;
  if (!help) return undefined;
  const details = help.details?.length ? ['', ...help.details.map((line) => `  ${line}`)] : [];
  return [`Usage: ${help.usage}`, '', `${help.summary.charAt(0).toUpperCase()}${help.summary.slice(1)}.`, ...details, '', ...ENVIRONMENT, ''].join('\n');
}

/** `--help` or `-h` anywhere after the command asks for its help, not for a run. */
export function asksForHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
