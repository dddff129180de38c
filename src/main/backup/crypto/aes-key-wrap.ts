import crypto from 'node:crypto';

/**
 * RFC 3394 AES key wrap with the default IV A6A6A6A6A6A6A6A6 (protocol.md §6.3), through
 * OpenSSL's `id-aesNNN-wrap`. A wrong key-encryption key shows up as an integrity failure, which
 * is the only way a backup tells us the password is wrong.
 */

const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

function wrapCipherName(kek: Buffer): string {
  if (kek.length !== 16 && kek.length !== 24 && kek.length !== 32) {
    throw new RangeError(`An AES key-wrap key must be 16, 24 or 32 bytes, not ${kek.length}.`);
  }
  return `id-aes${kek.length * 8}-wrap`;
}

export function wrapKey(kek: Buffer, key: Buffer): Buffer {
  const cipher = crypto.createCipheriv(wrapCipherName(kek), kek, DEFAULT_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/** The unwrapped key, or `undefined` when the integrity check fails (wrong key). */
export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer | undefined {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  try {
    const decipher = crypto.createDecipheriv(wrapCipherName(kek), kek, DEFAULT_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}
