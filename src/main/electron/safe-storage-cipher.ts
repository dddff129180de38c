/**
 * The PasswordVault's cipher over Electron's safeStorage. On Linux without a secret service,
 * safeStorage falls back to a hard-coded key ("basic_text"): that is no protection, so the cipher
 * reports itself unavailable and the vault refuses to store.
 */
import { safeStorage } from 'electron';
import type { SecretCipher } from './password-vault';

export const safeStorageCipher: SecretCipher = {
  isAvailable() {
    if (!safeStorage.isEncryptionAvailable()) return false;
    return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
  },
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (sealed) => safeStorage.decryptString(sealed),
};
