import { encodePlist, PlistReal, type PlistDict, type PlistValue } from '../../../main/device/codec';
import { SeededRandom } from '../seeded-random';

/**
 * Preference files (Library/Preferences/*.plist): real binary plists with a plausible mix of
 * keys, different per phone and per version so a modified file really changes.
 */
const WORDS = ['Enabled', 'LastSync', 'Theme', 'Volume', 'Region', 'Layout', 'Badge', 'Counter', 'Token', 'Mode', 'Level', 'Shown'];

export function buildPreferencePlist(key: string, domainName: string): Buffer {
  const random = new SeededRandom('prefs', key);
  const dict: Record<string, PlistValue> = { CFBundleIdentifier: domainName };
  const count = random.int(4, 14);
  for (let i = 0; i < count; i++) {
    const name = `${random.pick(WORDS)}${random.pick(WORDS)}${i}`;
    switch (random.int(0, 5)) {
      case 0: dict[name] = random.chance(0.5); break;
      case 1: dict[name] = random.int(0, 100_000); break;
      case 2: dict[name] = new PlistReal(random.int(0, 1000) / 8); break;
      case 3: dict[name] = new Date(Date.UTC(2020, 0, 1) + random.int(0, 6 * 365) * 86_400_000); break;
      case 4: dict[name] = random.hex(random.int(4, 24)); break;
      default: dict[name] = [random.int(0, 9), random.hex(4), { nested: random.chance(0.5) } satisfies PlistDict];
    }
  }
  return encodePlist(dict, 'binary');
}
