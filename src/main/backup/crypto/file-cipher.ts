import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupError } from '../backup-error';
import { unwrapClassWrappedKey, type BackupKeys } from './backup-keys';

/**
 * Content files of an encrypted backup (protocol.md §6.5): AES-256-CBC, zero IV, PKCS#7 padding,
 * one random key per file wrapped with its class key in the MBFile `EncryptionKey`.
 */

const ZERO_IV = Buffer.alloc(16);

/** Bytes a file of `size` plaintext bytes takes in an encrypted backup: PKCS#7 always adds 1–16. */
export function encryptedContentSize(size: number): number {
  return size === 0 ? 0 : (Math.floor(size / 16) + 1) * 16;
}

/** `u32 LE class + 40-byte wrapped key` from an MBFile → the file's 32-byte AES key. */
export function unwrapFileKey(keys: BackupKeys, encryptionKey44: Buffer): Buffer {
  return unwrapClassWrappedKey(keys, encryptionKey44, 'file key').key;
}

/**
 * Decrypts one content file as it streams. OpenSSL keeps the last block back until the end, so
 * only the final block loses its padding; a bad pad or a length other than the MBFile `Size`
 * (iphone_backup_decrypt asserts the same, §6.5) fails the stream with a `corrupt` BackupError.
 */
export function createFileDecryptor(keys: BackupKeys, encryptionKey44: Buffer, expectedSize: number): Transform {
  const decipher = crypto.createDecipheriv('aes-256-cbc', unwrapFileKey(keys, encryptionKey44), ZERO_IV);
  let inputBytes = 0;
  let outputBytes = 0;
  const push = (stream: Transform, chunk: Buffer): void => {
    outputBytes += chunk.length;
    if (chunk.length > 0) stream.push(chunk);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      inputBytes += chunk.length;
      push(this, decipher.update(chunk));
      callback();
    },
    flush(callback: TransformCallback) {
      // An empty file is stored empty, with nothing to unpad (§6.5).
      if (inputBytes === 0 && expectedSize === 0) return callback();
      try {
        push(this, decipher.final());
      } catch (error) {
        return callback(new BackupError('corrupt', `An encrypted file in the backup (${inputBytes} bytes) does not decrypt cleanly; it is damaged or truncated.`, { cause: error }));
      }
      if (outputBytes !== expectedSize) {
        return callback(new BackupError('corrupt', `An encrypted file in the backup decrypted to ${outputBytes} bytes where the backup lists ${expectedSize}; it is damaged.`));
      }
      callback();
    },
  });
}

/** The inverse, for writing encrypted backups and for tests: PKCS#7 pads the final block. */
export function createFileEncryptor(keys: BackupKeys, encryptionKey44: Buffer): Transform {
  const cipher = crypto.createCipheriv('aes-256-cbc', unwrapFileKey(keys, encryptionKey44), ZERO_IV);
  let inputBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      inputBytes += chunk.length;
      const out = cipher.update(chunk);
      if (out.length > 0) this.push(out);
      callback();
    },
    flush(callback: TransformCallback) {
      if (inputBytes > 0) this.push(cipher.final());
      callback();
    },
  });
}
