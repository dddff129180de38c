import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { BackupError } from '../backup-error';
import { MAX_SHA1_ITERATIONS, MAX_SHA256_ITERATIONS, type KeybagHeader } from './keybag';
import { type Pbkdf2Step, pbkdf2OnThread } from './pbkdf2-thread';

/**
 * Backup password → key-encryption key (protocol.md §6.2):
 * - iOS 10.2+ (DPSL/DPIC present): PBKDF2-SHA256(password, DPSL, DPIC, 32), then
 *   PBKDF2-SHA1(that, SALT, ITER, 32);
 * - older backups: PBKDF2-SHA1(password, SALT, ITER, 32).
 * Neither blocks the main thread: the ~3 s of a real 10-million-round key bag runs on a thread of
 * its own (pbkdf2-thread.ts) that `signal` terminates mid-round, so cancel stops the work itself,
 * not just the wait; a key bag asking for more than 10× real rounds is refused before (keybag.ts).
 * Derivations shorter than a thread's start-up (test key bags, old backups' 10,000 SHA-1 rounds)
 * run on libuv's pool, where an abandoned one finishes within milliseconds.
 */

const pbkdf2 = promisify(crypto.pbkdf2);
const KEY_LENGTH = 32;
/** SHA-1-round equivalents (a SHA-256 round counts as two) above which a derivation gets its own thread: ~30 ms of work. */
const THREAD_ABOVE_ROUNDS = 100_000;

function cancelled(): BackupError {
  return new BackupError('cancelled', 'Opening the encrypted backup was cancelled.');
}

/** `work`, unless `signal` aborts first: then a `cancelled` BackupError at once, and `work`'s result is dropped. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    onAbort?.();
    return Promise.reject(cancelled());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      work.catch(() => undefined);
      onAbort?.();
      reject(cancelled());
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function stepsOf(header: KeybagHeader): Pbkdf2Step[] {
  const steps: Pbkdf2Step[] = [];
  if (header.doubleProtectionSalt && header.doubleProtectionIterations) {
    steps.push({ salt: header.doubleProtectionSalt, iterations: header.doubleProtectionIterations, digest: 'sha256', keyLength: KEY_LENGTH });
  }
  steps.push({ salt: header.salt, iterations: header.iterations, digest: 'sha1', keyLength: KEY_LENGTH });
  return steps;
}

export async function deriveKeyEncryptionKey(password: string, header: KeybagHeader, signal?: AbortSignal): Promise<Buffer> {
  // parseKeybag refuses these already; a header built elsewhere must not slip past the bound.
  if (header.iterations > MAX_SHA1_ITERATIONS || (header.doubleProtectionIterations ?? 0) > MAX_SHA256_ITERATIONS) {
    throw new BackupError('corrupt', 'The backup\'s key bag asks for far more rounds of key derivation than real backups use, so it is not opened.');
  }
  if (signal?.aborted) throw cancelled();
  const steps = stepsOf(header);
  const password8 = Buffer.from(password, 'utf8');
  const rounds = steps.reduce((sum, step) => sum + step.iterations * (step.digest === 'sha256' ? 2 : 1), 0);
  if (rounds > THREAD_ABOVE_ROUNDS) return pbkdf2OnThread(password8, steps, signal);
  let secret: Buffer = password8;
  for (const step of steps) secret = await unlessAborted(pbkdf2(secret, step.salt, step.iterations, step.keyLength, step.digest), signal);
  return secret;
}

/**
 * Derived keys for this process, keyed by a digest of password + KDF parameters (the parameters
 * are per backup, so this is "per backup and password"); the password itself is not kept.
 * Concurrent requests for the same key share one derivation, which runs while anyone still waits
 * for it: when the last waiter's signal aborts, its thread is terminated and the entry dropped.
 */
interface SharedDerivation {
  readonly key: Promise<Buffer>;
  /** Callers still waiting; a caller without a signal waits until the end. */
  waiters: number;
  settled: boolean;
  readonly stop: AbortController;
}

const derivedKeys = new Map<string, SharedDerivation>();
const MAX_CACHED_KEYS = 32;

function cacheKey(password: string, header: KeybagHeader): string {
  const hash = crypto.createHash('sha256');
  for (const part of [
    Buffer.from(password, 'utf8'),
    header.salt,
    Buffer.from(String(header.iterations)),
    header.doubleProtectionSalt ?? Buffer.alloc(0),
    Buffer.from(String(header.doubleProtectionIterations ?? 0)),
  ]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    hash.update(length).update(part);
  }
  return hash.digest('hex');
}

function startShared(cacheId: string, password: string, header: KeybagHeader): SharedDerivation {
  const stop = new AbortController();
  const shared: SharedDerivation = { key: deriveKeyEncryptionKey(password, header, stop.signal), waiters: 0, settled: false, stop };
  shared.key.then(
    () => (shared.settled = true),
    () => {
      shared.settled = true;
      if (derivedKeys.get(cacheId) === shared) derivedKeys.delete(cacheId);
    },
  );
  if (derivedKeys.size >= MAX_CACHED_KEYS) {
    const oldest = derivedKeys.keys().next();
    if (!oldest.done) derivedKeys.delete(oldest.value);
  }
  derivedKeys.set(cacheId, shared);
  return shared;
}

/**
 * The cached key, or a derivation shared by every caller that asks meanwhile. `signal` ends this
 * caller's wait; the derivation itself stops only when no caller waits for it any more.
 */
export function deriveKeyEncryptionKeyCached(password: string, header: KeybagHeader, signal?: AbortSignal): Promise<Buffer> {
  if (signal?.aborted) return Promise.reject(cancelled());
  const cacheId = cacheKey(password, header);
  const shared = derivedKeys.get(cacheId) ?? startShared(cacheId, password, header);
  shared.waiters += 1;
  const leave = (): void => {
    shared.waiters -= 1;
    if (shared.waiters > 0 || shared.settled) return;
    if (derivedKeys.get(cacheId) === shared) derivedKeys.delete(cacheId);
    shared.stop.abort();
  };
  const waited = unlessAborted(shared.key, signal, leave);
  // A waiter that got its answer (or the derivation's failure) no longer holds it open.
  waited.then(
    () => (shared.waiters -= 1),
    () => undefined,
  );
  return waited;
}

/** For tests that need a cold cache. */
export function forgetDerivedKeys(): void {
  derivedKeys.clear();
}
