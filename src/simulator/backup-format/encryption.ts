import { randomBytes } from 'node:crypto';
import type { Transform } from 'node:stream';
import {
  createFileDecryptor,
  createFileEncryptor,
  decryptManifestDb,
  encryptManifestDb,
  unwrapKey,
  wrapKey,
} from './aes';
import { BackupFormatError } from './errors';
import {
  type CreateKeybagOptions,
  createBackupKeybag,
  createBackupKeybagAsync,
  unlockBackupKeybag,
  unlockBackupKeybagAsync,
} from './keybag';

/**
 * Everything an encrypted backup run needs, behind one object (protocol.md §6.4–6.5, §6.8), so the
 * mobilebackup2 engine never handles raw key material: a keybag unlocked with the password, fresh
 * per-file keys in the 44-byte `EncryptionKey` form, and the Manifest.db key.
 */
export class BackupCipher {
  private constructor(
    /** The keybag TLV for Manifest.plist `BackupKeyBag`. */
    readonly keybag: Buffer,
    private readonly classKeys: ReadonlyMap<number, Buffer>,
  ) {}

  /** A new keybag for `password` (a first encrypted backup, or after a password change). */
  static create(password: string, options?: CreateKeybagOptions): BackupCipher {
    const { keybag, classKeys } = createBackupKeybag(password, options);
    return new BackupCipher(keybag, classKeys);
  }

  static async createAsync(password: string, options?: CreateKeybagOptions): Promise<BackupCipher> {
    const { keybag, classKeys } = await createBackupKeybagAsync(password, options);
    return new BackupCipher(keybag, classKeys);
  }

  /** Opens an existing keybag; throws WrongPasswordError when the password does not fit (§6.3). */
  static unlock(keybag: Buffer, password: string): BackupCipher {
    return new BackupCipher(keybag, unlockBackupKeybag(keybag, password));
  }

  static async unlockAsync(keybag: Buffer, password: string): Promise<BackupCipher> {
    return new BackupCipher(keybag, await unlockBackupKeybagAsync(keybag, password));
  }

  hasClass(protectionClass: number): boolean {
    return this.classKeys.has(protectionClass);
  }

  /**
   * A random 32-byte key for one file and its MBFile `EncryptionKey`: LE u32 class + the key
   * wrapped with that class key (§6.5, §6.8 step 3).
   */
  newFileKey(protectionClass: number): { key: Buffer; encryptionKey: Buffer } {
    const key = randomBytes(32);
    return { key, encryptionKey: this.wrapForClass(protectionClass, key) };
  }

  /** The file key inside a 44-byte `EncryptionKey`. */
  fileKeyFrom(encryptionKey: Buffer): Buffer {
    return this.unwrapFromClass(encryptionKey, 'EncryptionKey');
  }

  /** A random Manifest.db key and the `ManifestKey` blob for Manifest.plist (§6.4, §6.8 step 4). */
  newManifestKey(protectionClass = DEFAULT_MANIFEST_KEY_CLASS): { key: Buffer; manifestKey: Buffer } {
    const key = randomBytes(32);
    return { key, manifestKey: this.wrapForClass(protectionClass, key) };
  }

  /** The Manifest.db key inside a `ManifestKey` blob. */
  manifestKeyFrom(manifestKey: Buffer): Buffer {
    return this.unwrapFromClass(manifestKey, 'ManifestKey');
  }

  /** Encrypts a finished plaintext Manifest.db with a new key; returns the bytes and the ManifestKey. */
  sealManifestDb(plaintext: Buffer, protectionClass = DEFAULT_MANIFEST_KEY_CLASS): { ciphertext: Buffer; manifestKey: Buffer } {
    const { key, manifestKey } = this.newManifestKey(protectionClass);
    return { ciphertext: encryptManifestDb(plaintext, key), manifestKey };
  }

  /** Decrypts an encrypted Manifest.db with the key in its ManifestKey. */
  openManifestDb(ciphertext: Buffer, manifestKey: Buffer): Buffer {
    const plaintext = decryptManifestDb(ciphertext, this.manifestKeyFrom(manifestKey));
    if (!plaintext.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw new BackupFormatError('bad-ciphertext', 'Manifest.db did not decrypt to an SQLite database: the ManifestKey does not belong to it.');
    }
    return plaintext;
  }

  /** Streaming AES-256-CBC/PKCS#7 for one file's content (§6.5). */
  createEncryptor(fileKey: Buffer): Transform {
    return createFileEncryptor(fileKey);
  }

  createDecryptor(fileKey: Buffer, expectedSize?: number): Transform {
    return createFileDecryptor(fileKey, expectedSize === undefined ? {} : { expectedSize });
  }

  private wrapForClass(protectionClass: number, key: Buffer): Buffer {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(protectionClass, 0);
    return Buffer.concat([prefix, wrapKey(this.classKey(protectionClass), key)]);
  }

  private unwrapFromClass(blob: Buffer, what: string): Buffer {
    if (blob.length !== 44) {
      throw new BackupFormatError('key-unwrap-failed', `${what} must be 44 bytes (4-byte class + 40-byte wrapped key); got ${blob.length}.`);
    }
    const protectionClass = blob.readUInt32LE(0);
    try {
      return unwrapKey(this.classKey(protectionClass), blob.subarray(4));
    } catch (error) {
      if (error instanceof BackupFormatError) {
        throw new BackupFormatError('key-unwrap-failed', `${what} (protection class ${protectionClass}) was not wrapped with this backup's keybag.`);
      }
      throw error;
    }
  }

  private classKey(protectionClass: number): Buffer {
    const key = this.classKeys.get(protectionClass);
    if (!key) {
      throw new BackupFormatError('key-unwrap-failed', `The backup keybag has no key for protection class ${protectionClass}.`);
    }
    return key;
  }
}

/** Class 4 (NSFileProtectionNone) for the Manifest.db key, as §6.8 step 4 suggests. */
export const DEFAULT_MANIFEST_KEY_CLASS = 4;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
