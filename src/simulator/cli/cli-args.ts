import { CONNECTION_MODES, type ConnectionMode } from '../device/device-links';
import { PHONE_PROFILES, type PhoneProfile } from '../phone/profiles';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  npm run sim -- --listen ADDR --state-dir DIR [--profile small|large|many-small|huge] [--seed N]
                 [--devices N] [--trust accept|deny|ask] [--product-version X.Y.Z] [--verbose]
                 [--connection usb|network|both] [--enable-wifi-connections]
      Runs virtual iPhones behind a fake usbmuxd. ADDR is UNIX:/path or host:port; export it as
      USBMUXD_SOCKET_ADDRESS for the host. Prints "ready" once it accepts connections.
      --connection network|both puts each phone on the "Wi-Fi" too (an address of its own in
      127.0.0.0/8); usbmuxd lists it as a network device once "Show this iPhone when on Wi-Fi" is on
      (lockdown com.apple.mobile.wireless_lockdown EnableWifiConnections, set by a paired host, or
      by --enable-wifi-connections at start). idevice_id -n and idevicebackup2 -n then reach it.
      DIR remembers the seed and profile it was first run with (default 1, small); leave them out
      to serve the same phones again, a different --seed or --profile is refused.
      With --trust ask, type "trust" or "deny" (optionally followed by a UDID) to answer the prompt,
      and "passcode" or "deny" to answer the passcode an iOS 16.1+ phone asks for before a backup.
      Type "change [UDID] modify=N add-photos=N delete=N [photo-bytes=MIN-MAX]" to change the
      running phone between two backups (prints "UDID: changed …" when done).
  npm run sim -- erase --state-dir DIR [--udid UDID]
      Erases every device (or one) to factory state: files, backup settings, trusted computers.
  npm run sim -- fault --state-dir DIR [--udid UDID] KEY=VALUE... | --clear
      Sets faults on a running or stopped simulator, e.g. locked=true linkBytesPerSecond=100000
      trust=ask replugAfterMs=2000 passcodePrompt=accept|deny|ignore|ask iCloudPhotos=true
      (a value of null removes one fault).`;

export type CliCommand =
  | {
      readonly kind: 'run';
      readonly listen: string;
      readonly stateDir: string;
      /** Undefined: the state dir's own (state-dir-origin.ts). */
      readonly profile: PhoneProfile | undefined;
      readonly seed: number | undefined;
      readonly devices: number;
      readonly trust: 'accept' | 'deny' | 'ask';
      readonly productVersion: string | undefined;
      readonly verbose: boolean;
      readonly connection: ConnectionMode;
      readonly enableWifiConnections: boolean;
    }
  | { readonly kind: 'erase'; readonly stateDir: string; readonly udid: string | undefined }
  | { readonly kind: 'fault'; readonly stateDir: string; readonly udid: string | undefined; readonly assignments: readonly string[]; readonly clear: boolean }
  | { readonly kind: 'help' };

function integer(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new UsageError(`${name} must be a whole number of at least ${min}, not "${text}".`);
  return value;
}

/** Parses the command line of `npm run sim` into one command. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const args = [...argv];
  const sub = args[0] === 'erase' || args[0] === 'fault' || args[0] === 'run' ? args.shift() : 'run';
  const flags = new Map<string, string>();
  const positional: string[] = [];
  const booleans = new Set(['--verbose', '--clear', '--help', '-h', '--enable-wifi-connections']);
  const seen = new Set<string>();
  const known = sub === 'run'
    ? ['--listen', '--state-dir', '--profile', '--seed', '--devices', '--trust', '--product-version', '--connection']
    : ['--state-dir', '--udid'];
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (booleans.has(arg)) {
      seen.add(arg);
    } else if (arg.startsWith('--')) {
      const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
      if (!known.includes(name)) throw new UsageError(`Unknown option ${name} for "${sub}".`);
      const value = inline ?? args.shift();
      if (value === undefined) throw new UsageError(`${name} needs a value.`);
      flags.set(name, value);
    } else {
      positional.push(arg);
    }
  }
  if (seen.has('--help') || seen.has('-h')) return { kind: 'help' };
  const stateDir = flags.get('--state-dir');
  if (!stateDir) throw new UsageError('--state-dir is required.');
  if (sub === 'erase') {
    if (positional.length > 0) throw new UsageError(`Unexpected argument "${positional[0]}".`);
    return { kind: 'erase', stateDir, udid: flags.get('--udid') };
  }
  if (sub === 'fault') {
    if (!seen.has('--clear') && positional.length === 0) throw new UsageError('fault needs KEY=VALUE assignments or --clear.');
    return { kind: 'fault', stateDir, udid: flags.get('--udid'), assignments: positional, clear: seen.has('--clear') };
  }
  if (positional.length > 0) throw new UsageError(`Unexpected argument "${positional[0]}".`);
  const listen = flags.get('--listen');
  if (!listen) throw new UsageError('--listen is required (UNIX:/path or host:port).');
  const profile = flags.get('--profile');
  if (profile !== undefined && !(PHONE_PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be one of ${PHONE_PROFILES.join(', ')}.`);
  const trust = flags.get('--trust') ?? 'accept';
  if (trust !== 'accept' && trust !== 'deny' && trust !== 'ask') throw new UsageError('--trust must be accept, deny or ask.');
  const connection = flags.get('--connection') ?? 'usb';
  if (!(CONNECTION_MODES as readonly string[]).includes(connection)) throw new UsageError('--connection must be usb, network or both.');
  const productVersion = flags.get('--product-version');
  if (productVersion !== undefined && !/^\d+(\.\d+){1,2}$/.test(productVersion)) throw new UsageError('--product-version looks like 17.5.1.');
  return {
    kind: 'run',
    listen,
    stateDir,
    profile: profile as PhoneProfile | undefined,
    seed: flags.has('--seed') ? integer('--seed', flags.get('--seed') ?? '', 0) : undefined,
    devices: integer('--devices', flags.get('--devices') ?? '1', 1),
    trust,
    productVersion,
    verbose: seen.has('--verbose'),
    connection: connection as ConnectionMode,
    enableWifiConnections: seen.has('--enable-wifi-connections'),
  };
}

/** `key=value` pairs from the command line into a fault patch object (values parsed as JSON when they can be). */
export function parseFaultAssignments(assignments: readonly string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new UsageError(`"${assignment}" is not KEY=VALUE.`);
    const key = assignment.slice(0, equals);
    const text = assignment.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A bare word such as ask stays a string.
    }
    patch[key] = value;
  }
  return patch;
}
