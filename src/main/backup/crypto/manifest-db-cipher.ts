import crypto from 'node:crypto';
import { BackupError } from '../backup-error';
import type { BackupKeys } from './backup-keys';

/**
 * Manifest.db of an iOS 10.2+ encrypted backup: AES-256-CBC over the whole SQLite file with a
 * zero IV and no padding (protocol.md §6.4) — SQLite files are whole pages, so always a multiple
 * of 16 bytes.
 */

const ZERO_IV = Buffer.alloc(16);
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function isPlaintextSqlite(bytes: Buffer): boolean {
  return bytes.length >= SQLITE_MAGIC.length && bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

function runCbc(mode: 'encrypt' | 'decrypt', key: Buffer, bytes: Buffer): Buffer {
  const cipher = mode === 'encrypt' ? crypto.createCipheriv('aes-256-cbc', key, ZERO_IV) : crypto.createDecipheriv('aes-256-cbc', key, ZERO_IV);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(bytes), cipher.final()]);
}

/** The plaintext SQLite bytes. Before iOS 10.2 (no ManifestKey) the file already is plaintext. */
export function decryptManifestDb(bytes: Buffer, keys: BackupKeys): Buffer {
  if (!keys.manifestDbKey) {
    if (isPlaintextSqlite(bytes)) return bytes;
    throw new BackupError('corrupt', 'The backup\'s Manifest.db is neither a database nor encrypted with a Manifest key; it is damaged.');
  }
  if (bytes.length % 16 !== 0) {
    throw new BackupError('corrupt', `The backup's encrypted Manifest.db is ${bytes.length} bytes, not a whole number of AES blocks; it is damaged.`);
  }
  const plain = runCbc('decrypt', keys.manifestDbKey, bytes);
  if (!isPlaintextSqlite(plain)) {
    throw new BackupError('corrupt', 'The backup\'s Manifest.db did not decrypt to a database; it is damaged.');
  }
  return plain;
}

/** Re-encrypts an edited Manifest.db with the backup's Manifest key (same zero-IV, no-padding scheme). */
export function encryptManifestDb(plain: Buffer, keys: BackupKeys): Buffer {
  if (!keys.manifestDbKey) {
    throw new BackupError('unsupported', 'This backup keeps its Manifest.db unencrypted (made before iOS 10.2), so it has no Manifest key to encrypt with.');
  }
  if (plain.length % 16 !== 0) {
    throw new BackupError('corrupt', `A Manifest.db of ${plain.length} bytes is not a whole number of AES blocks and cannot be encrypted without padding.`);
  }
  return runCbc('encrypt', keys.manifestDbKey, plain);
}
