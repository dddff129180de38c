import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { KeybagHeader } from './keybag';

/**
 * Backup password → key-encryption key (protocol.md §6.2):
 * - iOS 10.2+ (DPSL/DPIC present): PBKDF2-SHA256(password, DPSL, DPIC, 32), then
 *   PBKDF2-SHA1(that, SALT, ITER, 32);
 * - older backups: PBKDF2-SHA1(password, SALT, ITER, 32).
 * `crypto.pbkdf2` runs on libuv's thread pool, so the ~3 s of a real 10-million-round keybag never
 * blocks the main thread.
 */

const pbkdf2 = promisify(crypto.pbkdf2);
const KEY_LENGTH = 32;

export async function deriveKeyEncryptionKey(password: string, header: KeybagHeader): Promise<Buffer> {
  let secret: Buffer = Buffer.from(password, 'utf8');
  if (header.doubleProtectionSalt && header.doubleProtectionIterations) {
    secret = await pbkdf2(secret, header.doubleProtectionSalt, header.doubleProtectionIterations, KEY_LENGTH, 'sha256');
  }
  return pbkdf2(secret, header.salt, header.iterations, KEY_LENGTH, 'sha1');
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

export function deriveKeyEncryptionKeyCached(password: string, header: KeybagHeader): Promise<Buffer> {
  const key = cacheKey(password, header);
  const cached = derivedKeys.get(key);
  if (cached) return cached;
  const derivation = deriveKeyEncryptionKey(password, header);
  derivation.catch(() => derivedKeys.delete(key));
  if (derivedKeys.size >= MAX_CACHED_KEYS) {
    const oldest = derivedKeys.keys().next();
    if (!oldest.done) derivedKeys.delete(oldest.value);
  }
  derivedKeys.set(key, derivation);
  return derivation;
}

/** For tests that need a cold cache. */
export function forgetDerivedKeys(): void {
  derivedKeys.clear();
}
