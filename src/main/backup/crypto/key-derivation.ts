import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { BackupError } from '../backup-error';
import { MAX_SHA1_ITERATIONS, MAX_SHA256_ITERATIONS, type KeybagHeader } from './keybag';

/**
 * Backup password → key-encryption key (protocol.md §6.2):
 * - iOS 10.2+ (DPSL/DPIC present): PBKDF2-SHA256(password, DPSL, DPIC, 32), then
 *   PBKDF2-SHA1(that, SALT, ITER, 32);
 * - older backups: PBKDF2-SHA1(password, SALT, ITER, 32).
 * `crypto.pbkdf2` runs on libuv's thread pool, so the ~3 s of a real 10-million-round keybag never
 * blocks the main thread.
 *
 * Cancelling: the rounds are bounded (keybag.ts refuses more than 10× real counts) and `signal`
 * is checked before each step and ends the wait at once. Node's PBKDF2 cannot be stopped or resumed
 * part-way (and PBKDF2 in JavaScript rounds, to check a signal between chunks, measured 16× slower:
 * 10 M rounds would take most of a minute), so an abandoned step finishes on its pool thread and its
 * result is dropped: at most one step of at most 10× real rounds.
 */

const pbkdf2 = promisify(crypto.pbkdf2);
const KEY_LENGTH = 32;

function cancelled(): BackupError {
  return new BackupError('cancelled', 'Opening the encrypted backup was cancelled.');
}

/** `work`, unless `signal` aborts first: then a `cancelled` BackupError at once, and `work`'s result is dropped. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(cancelled());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function deriveKeyEncryptionKey(password: string, header: KeybagHeader, signal?: AbortSignal): Promise<Buffer> {
  // parseKeybag refuses these already; a header built elsewhere must not slip past the bound.
  if (header.iterations > MAX_SHA1_ITERATIONS || (header.doubleProtectionIterations ?? 0) > MAX_SHA256_ITERATIONS) {
    throw new BackupError('corrupt', 'The backup\'s key bag asks for far more rounds of key derivation than real backups use, so it is not opened.');
  }
  if (signal?.aborted) throw cancelled();
  let secret: Buffer = Buffer.from(password, 'utf8');
  if (header.doubleProtectionSalt && header.doubleProtectionIterations) {
    secret = await unlessAborted(pbkdf2(secret, header.doubleProtectionSalt, header.doubleProtectionIterations, KEY_LENGTH, 'sha256'), signal);
  }
  return unlessAborted(pbkdf2(secret, header.salt, header.iterations, KEY_LENGTH, 'sha1'), signal);
}

/**
 * Derived keys for this process, keyed by a digest of password + KDF parameters (the parameters
 * are per backup, so this is "per backup and password"); the password itself is not kept.
 * Concurrent requests for the same key share one derivation.
 */
const derivedKeys = new Map<string, Promise<Buffer>>();
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

/**
 * The cached key, or a derivation shared by every caller that asks meanwhile. `signal` ends only
 * this caller's wait: the shared derivation goes on for the others (and for a retry).
 */
export function deriveKeyEncryptionKeyCached(password: string, header: KeybagHeader, signal?: AbortSignal): Promise<Buffer> {
  if (signal?.aborted) return Promise.reject(cancelled());
  const key = cacheKey(password, header);
  const cached = derivedKeys.get(key);
  if (cached) return unlessAborted(cached, signal);
  const derivation = deriveKeyEncryptionKey(password, header);
  derivation.catch(() => derivedKeys.delete(key));
  if (derivedKeys.size >= MAX_CACHED_KEYS) {
    const oldest = derivedKeys.keys().next();
    if (!oldest.done) derivedKeys.delete(oldest.value);
  }
  derivedKeys.set(key, derivation);
  return unlessAborted(derivation, signal);
}

/** For tests that need a cold cache. */
export function forgetDerivedKeys(): void {
  derivedKeys.clear();
}
