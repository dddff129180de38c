import type { PhoneChangeOptions } from '../phone/phone-changes';
import { UsageError } from './cli-args';

/**
 * The console's `change` command: changes a running phone between two backups the way a person
 * would (edited files, new photos, deleted files), so a benchmark or a person can measure an
 * incremental backup of a phone that did change without stopping the simulator:
 *
 *   change [UDID] [modify=N] [add-photos=N] [delete=N] [photo-bytes=MIN-MAX] [seed=N]
 *
 * Each run of the same words changes different files (the time is part of the choice) unless
 * `seed` and the clock are the same.
 */
export interface ConsoleChange {
  readonly udid: string | undefined;
  readonly options: PhoneChangeOptions;
}

export const CHANGE_USAGE = 'change [UDID] [modify=N] [add-photos=N] [delete=N] [photo-bytes=MIN-MAX] [seed=N]';

function count(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number, not "${text}". Usage: ${CHANGE_USAGE}`);
  return Number(text);
}

/** Parses the words after `change`; throws UsageError with the usage line for anything else. */
export function parseConsoleChange(words: readonly string[], now: number = Math.floor(Date.now() / 1000)): ConsoleChange {
  let udid: string | undefined;
  let modifyFiles = 0;
  let addPhotos = 0;
  let deleteFiles = 0;
  let seed = now;
  let photoBytes: readonly [number, number] | undefined;
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals < 0) {
      if (udid !== undefined) throw new UsageError(`Unexpected "${word}". Usage: ${CHANGE_USAGE}`);
      udid = word;
      continue;
    }
    const key = word.slice(0, equals);
    const value = word.slice(equals + 1);
    if (key === 'modify') modifyFiles = count(key, value);
    else if (key === 'add-photos') addPhotos = count(key, value);
    else if (key === 'delete') deleteFiles = count(key, value);
    else if (key === 'seed') seed = count(key, value);
    else if (key === 'photo-bytes') {
      const range = /^(\d+)-(\d+)$/.exec(value);
      const [min, max] = [Number(range?.[1]), Number(range?.[2])];
      if (!range || min < 1 || max < min) throw new UsageError(`photo-bytes is MIN-MAX in bytes, such as 1500000-4000000, not "${value}".`);
      photoBytes = [min, max];
    } else throw new UsageError(`Unknown "${key}". Usage: ${CHANGE_USAGE}`);
  }
  if (modifyFiles + addPhotos + deleteFiles === 0) throw new UsageError(`change needs something to change. Usage: ${CHANGE_USAGE}`);
  return { udid, options: { seed, now, modifyFiles, addPhotos, deleteFiles, ...(photoBytes ? { photoBytes } : {}) } };
}
