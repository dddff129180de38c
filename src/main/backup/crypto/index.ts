/**
 * Host-side backup crypto (protocol.md §6): open an encrypted backup with its password and
 * decrypt (or re-encrypt) Manifest.db and content files.
 */
export { parseKeybag, type Keybag, type KeybagHeader, type KeybagClassKey } from './keybag';
export { unwrapKey, wrapKey } from './aes-key-wrap';
export { deriveKeyEncryptionKey } from './key-derivation';
export { unlockBackup, isEncryptedBackup, unwrapClassWrappedKey, type BackupKeys } from './backup-keys';
export { decryptManifestDb, encryptManifestDb, isPlaintextSqlite } from './manifest-db-cipher';
export { createFileDecryptor, createFileEncryptor, encryptedContentSize, unwrapFileKey } from './file-cipher';
