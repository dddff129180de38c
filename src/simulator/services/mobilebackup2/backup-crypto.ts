import { Readable, type Transform } from 'node:stream';
import { BackupCipher } from '../../backup-format/encryption';
import type { CreateKeybagOptions } from '../../backup-format/keybag';

/**
 * The mobilebackup2 side of encrypted backups (protocol.md §6.8), over the backup-format library's
 * BackupCipher facade: key derivation runs asynchronously so a real 10-million-round PBKDF2 does
 * not freeze the other services of the simulated phone.
 */

/** Real phones use 10 000 000 (SHA-256) and 10 000 (SHA-1) rounds (§6.1); tests turn this down. */
export function kdfOptions(): CreateKeybagOptions | undefined {
  const value = Number.parseInt(process.env.LIFEBOAT_SIM_KDF_ITERATIONS ?? '', 10);
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return { sha256Iterations: value, sha1Iterations: value };
}

export function createBackupCipher(password: string): Promise<BackupCipher> {
  return BackupCipher.createAsync(password, kdfOptions());
}

/** Throws WrongPasswordError when `password` does not open the keybag. */
export function unlockBackupCipher(keybag: Buffer, password: string): Promise<BackupCipher> {
  return BackupCipher.unlockAsync(keybag, password);
}

/** Files of a class the keybag lacks are wrapped with class 4 (NSFileProtectionNone). */
export function newFileKey(cipher: BackupCipher, protectionClass: number): { key: Buffer; encryptionKey: Buffer } {
  return cipher.newFileKey(cipher.hasClass(protectionClass) ? protectionClass : 4);
}

/** AES-256-CBC with PKCS#7 over a stream of chunks, never holding the whole file (§6.5). */
export function encryptChunks(content: AsyncIterable<Buffer>, cipher: BackupCipher, key: Buffer): AsyncIterable<Buffer> {
  return pipeThrough(content, cipher.createEncryptor(key));
}

export function decryptChunks(content: AsyncIterable<Buffer>, cipher: BackupCipher, key: Buffer, expectedSize: number): AsyncIterable<Buffer> {
  return pipeThrough(content, cipher.createDecryptor(key, expectedSize));
}

/** Stored size of an encrypted file: PKCS#7 always adds 1–16 bytes (§6.5); empty files stay empty. */
export function encryptedSize(size: number): number {
  return size === 0 ? 0 : (Math.floor(size / 16) + 1) * 16;
}

function pipeThrough(content: AsyncIterable<Buffer>, transform: Transform): AsyncIterable<Buffer> {
  const source = Readable.from(content);
  source.on('error', (error) => transform.destroy(error));
  return source.pipe(transform);
}
