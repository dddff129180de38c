import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupFormatError } from './errors';

/**
 * The AES primitives of encrypted backups (protocol.md §6.3–6.5):
 * - RFC 3394 key wrap with AES-256 and the default IV A6A6A6A6A6A6A6A6 (class keys, file keys,
 *   the Manifest.db key: 32 bytes in, 40 bytes out);
 * - file contents: AES-256-CBC, zero IV, PKCS#7 padding;
 * - Manifest.db: AES-256-CBC, zero IV, no padding (the SQLite file is a multiple of 16 bytes).
 */

const KEY_WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const ZERO_IV = Buffer.alloc(16);
const BLOCK = 16;

export function wrapKey(kek: Buffer, key: Buffer): Buffer {
  assertAes256Key(kek, 'key-encryption key');
  if (key.length < 16 || key.length % 8 !== 0) {
    throw new RangeError(`RFC 3394 wraps keys of 16+ bytes in 8-byte steps; got ${key.length} bytes.`);
  }
  const cipher = createCipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/** Unwraps an RFC 3394 blob; a failed integrity check means the KEK is not the one it was wrapped with. */
export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer {
  assertAes256Key(kek, 'key-encryption key');
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new BackupFormatError('key-unwrap-failed', `A wrapped key must be 24+ bytes in 8-byte steps; got ${wrapped.length} bytes.`);
  }
  try {
    const decipher = createDecipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    throw new BackupFormatError('key-unwrap-failed', 'A wrapped key failed its integrity check: the key used to unwrap it is wrong.');
  }
}

/** A Transform that encrypts a file's content as it streams: AES-256-CBC, zero IV, PKCS#7 (§6.5). */
export function createFileEncryptor(key: Buffer): Transform {
  assertAes256Key(key, 'file key');
  return new CipherTransform(createCipheriv('aes-256-cbc', key, ZERO_IV), 'encrypt');
}

/**
 * A Transform that decrypts a file's content as it streams and removes the PKCS#7 padding at the
 * end. With `expectedSize` (the MBFile `Size`) a length mismatch is an error, as readers treat it.
 */
export function createFileDecryptor(key: Buffer, options: { readonly expectedSize?: number } = {}): Transform {
  assertAes256Key(key, 'file key');
  return new CipherTransform(createDecipheriv('aes-256-cbc', key, ZERO_IV), 'decrypt', options.expectedSize);
}

/** Length of the ciphertext of an `size`-byte file: always at least one byte of padding (§6.5). */
export function encryptedFileSize(size: number): number {
  return (Math.floor(size / BLOCK) + 1) * BLOCK;
}

/** One-shot versions for small contents (Status.plist-sized things and tests). */
export function encryptFileContent(content: Buffer, key: Buffer): Buffer {
  assertAes256Key(key, 'file key');
  const cipher = createCipheriv('aes-256-cbc', key, ZERO_IV);
  return Buffer.concat([cipher.update(content), cipher.final()]);
}

export function decryptFileContent(ciphertext: Buffer, key: Buffer, expectedSize?: number): Buffer {
  assertAes256Key(key, 'file key');
  if (ciphertext.length === 0 && expectedSize === 0) return Buffer.alloc(0);
  const plain = finishDecrypt(() => {
    const decipher = createDecipheriv('aes-256-cbc', key, ZERO_IV);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  }, ciphertext.length);
  checkSize(plain.length, expectedSize);
  return plain;
}

/** Encrypts a whole Manifest.db: AES-256-CBC, zero IV, no padding (§6.4). */
export function encryptManifestDb(bytes: Buffer, key: Buffer): Buffer {
  return wholeFile(bytes, key, 'encrypt');
}

/** Decrypts a whole Manifest.db; the result should start with "SQLite format 3\0". */
export function decryptManifestDb(bytes: Buffer, key: Buffer): Buffer {
  return wholeFile(bytes, key, 'decrypt');
}

function wholeFile(bytes: Buffer, key: Buffer, direction: 'encrypt' | 'decrypt'): Buffer {
  assertAes256Key(key, 'Manifest.db key');
  if (bytes.length % BLOCK !== 0) {
    throw new BackupFormatError(
      'bad-ciphertext',
      `Manifest.db must be a multiple of 16 bytes to ${direction} without padding; it is ${bytes.length} bytes.`,
    );
  }
  const cipher = direction === 'encrypt' ? createCipheriv('aes-256-cbc', key, ZERO_IV) : createDecipheriv('aes-256-cbc', key, ZERO_IV);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(bytes), cipher.final()]);
}

class CipherTransform extends Transform {
  private inputBytes = 0;
  private outputBytes = 0;

  constructor(
    private readonly cipher: ReturnType<typeof createCipheriv> | ReturnType<typeof createDecipheriv>,
    private readonly direction: 'encrypt' | 'decrypt',
    private readonly expectedSize?: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.inputBytes += chunk.length;
    const out = this.cipher.update(chunk);
    this.outputBytes += out.length;
    callback(null, out.length > 0 ? out : undefined);
  }

  override _flush(callback: TransformCallback): void {
    // Empty files are stored empty, without an EncryptionKey (§6.5); accept that when told to expect it.
    if (this.direction === 'decrypt' && this.inputBytes === 0 && this.expectedSize === 0) {
      callback();
      return;
    }
    let tail: Buffer;
    try {
      tail = this.direction === 'decrypt' ? finishDecrypt(() => this.cipher.final(), this.inputBytes) : this.cipher.final();
      if (this.direction === 'decrypt') checkSize(this.outputBytes + tail.length, this.expectedSize);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, tail.length > 0 ? tail : undefined);
  }
}

function finishDecrypt(run: () => Buffer, inputBytes: number): Buffer {
  if (inputBytes === 0 || inputBytes % BLOCK !== 0) {
    throw new BackupFormatError(
      'bad-ciphertext',
      `An encrypted backup file must be a non-empty multiple of 16 bytes; this one is ${inputBytes} bytes (truncated?).`,
    );
  }
  try {
    return run();
  } catch {
    throw new BackupFormatError('bad-ciphertext', 'An encrypted backup file did not decrypt: its padding is wrong (wrong key or damaged file).');
  }
}

function checkSize(actual: number, expected: number | undefined): void {
  if (expected !== undefined && actual !== expected) {
    throw new BackupFormatError('size-mismatch', `A decrypted backup file is ${actual} bytes but its manifest says ${expected}.`);
  }
}

function assertAes256Key(key: Buffer, what: string): void {
  if (key.length !== 32) throw new RangeError(`The ${what} must be 32 bytes (AES-256); got ${key.length}.`);
}
