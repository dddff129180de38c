import { ReadTimeoutError } from '../../device/codec';
import { BackupError } from '../backup-error';

/**
 * How long a backup or restore waits for the next byte from the phone over mobilebackup2 before
 * giving up. Every message and every chunk of a file restarts it (ByteReader counts silence, not
 * the length of a read), so a slow link or a 4 GB video never trips it; a phone that thinks
 * (protocol.md §3.10 mentions up to 90 s) stays well inside it. Without it, a phone that went
 * silent would be waited on forever and an unattended automatic backup would hang.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

/** Overrides the default for the CLI and the app (tests set a few hundred milliseconds). */
export const IDLE_TIMEOUT_ENV = 'LIFEBOAT_IDLE_TIMEOUT_MS';

/** The time-out to use: an explicit option, else the environment variable, else the default. */
export function resolveIdleTimeoutMs(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return checkedTimeout(option, 'idleTimeoutMs');
  const text = env[IDLE_TIMEOUT_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_IDLE_TIMEOUT_MS;
  return checkedTimeout(Number(text), IDLE_TIMEOUT_ENV);
}

function checkedTimeout(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new BackupError('unsupported', `${name} must be a whole number of milliseconds above 0 (got ${String(value)}).`);
  }
  return value;
}

/** "5 minutes", "2 s", "300 ms": for the sentence a person reads. */
export function describeDuration(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} s`;
  return `${ms} ms`;
}

/** The sentence for a run the idle time-out ended; `what` is "backup" or "restore". */
export function stoppedRespondingError(what: 'backup' | 'restore', timeoutMs: number | undefined, unchanged: string, cause: unknown): BackupError {
  const silence = timeoutMs === undefined ? '' : `: nothing arrived from it for ${describeDuration(timeoutMs)}`;
  return new BackupError(
    'timeout',
    `The iPhone stopped responding${silence}, so the ${what} was stopped. ${unchanged} Unlock the iPhone, check the cable and try again.`,
    { cause },
  );
}

/** The time-out a read gave up after, found down an error's causes (ServiceError wraps the codec's). */
export function idleTimeoutOf(error: unknown): number | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    if (current instanceof ReadTimeoutError) return current.timeoutMs;
  }
  return undefined;
}
