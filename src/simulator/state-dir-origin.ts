import fs from 'node:fs';
import path from 'node:path';
import { PHONE_PROFILES, type PhoneProfile } from './phone/profiles';

/**
 * Which phones a state directory holds: the `--seed` and `--profile` it was first started with.
 * The UDIDs, and so the device folders, derive from the seed, so a restart with another seed would
 * quietly serve different phones (and an erased phone would seem to vanish). The folder remembers
 * its seed instead, and a conflicting flag is refused with a sentence saying what to do.
 */
export interface StateDirOrigin {
  readonly seed: number;
  readonly profile: PhoneProfile;
}

export const STATE_DIR_ORIGIN_FILE = 'simulator.json';
const DEFAULT_ORIGIN: StateDirOrigin = { seed: 1, profile: 'small' };

export class StateDirMismatchError extends Error {
  readonly code = 'state-dir-mismatch';

  constructor(message: string) {
    super(message);
    this.name = 'StateDirMismatchError';
  }
}

/**
 * The seed and profile to run `stateDir` with: the recorded ones, checked against what was asked;
 * on a new folder what was asked (or the defaults), recorded for the next start.
 */
export function resolveStateDirOrigin(stateDir: string, requested: { readonly seed?: number; readonly profile?: PhoneProfile }): StateDirOrigin {
  const recorded = readRecordedOrigin(stateDir) ?? originOfExistingDevices(stateDir);
  if (recorded === undefined) {
    const origin = { seed: requested.seed ?? DEFAULT_ORIGIN.seed, profile: requested.profile ?? DEFAULT_ORIGIN.profile };
    writeOrigin(stateDir, origin);
    return origin;
  }
  if (requested.seed !== undefined && requested.seed !== recorded.seed) {
    throw new StateDirMismatchError(
      `${stateDir} holds the phones made with --seed ${recorded.seed}, not --seed ${requested.seed}. Leave --seed out (or pass --seed ${recorded.seed}) ` +
        'to serve them as they are, or choose a new --state-dir for other phones.',
    );
  }
  if (requested.profile !== undefined && requested.profile !== recorded.profile) {
    throw new StateDirMismatchError(
      `${stateDir} holds ${recorded.profile} phones, not ${requested.profile} ones. Leave --profile out to serve them, or choose a new --state-dir.`,
    );
  }
  if (!fs.existsSync(path.join(stateDir, STATE_DIR_ORIGIN_FILE))) writeOrigin(stateDir, recorded);
  return recorded;
}

function readRecordedOrigin(stateDir: string): StateDirOrigin | undefined {
  const file = path.join(stateDir, STATE_DIR_ORIGIN_FILE);
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StateDirMismatchError(`${file} is not readable JSON (${(error as Error).message}); fix or delete it.`);
  }
  const origin = parsed as Partial<StateDirOrigin> | null;
  if (!origin || !Number.isInteger(origin.seed) || !(PHONE_PROFILES as readonly unknown[]).includes(origin.profile)) {
    throw new StateDirMismatchError(`${file} does not say which seed and profile made its phones; fix or delete it.`);
  }
  return { seed: origin.seed as number, profile: origin.profile as PhoneProfile };
}

/**
 * State folders from before the record: each device.json keeps the phone seed it was generated
 * from (`seed × 1000 + index`, see VirtualDevice), so the first device gives the simulator's seed.
 */
function originOfExistingDevices(stateDir: string): StateDirOrigin | undefined {
  const devicesDir = path.join(stateDir, 'devices');
  if (!fs.existsSync(devicesDir)) return undefined;
  const origins: StateDirOrigin[] = [];
  for (const name of fs.readdirSync(devicesDir)) {
    const file = path.join(devicesDir, name, 'device.json');
    if (!fs.existsSync(file)) continue;
    try {
      const origin = (JSON.parse(fs.readFileSync(file, 'utf8')) as { origin?: { seed?: unknown; profile?: unknown } }).origin;
      if (Number.isInteger(origin?.seed) && (PHONE_PROFILES as readonly unknown[]).includes(origin?.profile)) {
        origins.push({ seed: Math.floor((origin?.seed as number) / 1000), profile: origin?.profile as PhoneProfile });
      }
    } catch {
      // An unreadable device.json says nothing about the seed; VirtualDevice reports it when it opens it.
    }
  }
  origins.sort((a, b) => a.seed - b.seed);
  return origins[0];
}

function writeOrigin(stateDir: string, origin: StateDirOrigin): void {
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(path.join(stateDir, STATE_DIR_ORIGIN_FILE), `${JSON.stringify(origin, null, 2)}\n`);
}
