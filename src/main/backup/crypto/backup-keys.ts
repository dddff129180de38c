import { decodePlist, isPlistDict, plistBoolean, plistData, type PlistDict, PLIST_BUDGETS } from '../../device/codec';
import { BackupError } from '../backup-error';
import { unwrapKey } from './aes-key-wrap';
import { deriveKeyEncryptionKeyCached } from './key-derivation';
import { parseKeybag, WRAPPED_WITH_PASSWORD_KEY } from './keybag';

/**
 * The keys that open one encrypted backup: its class keys (protocol.md §6.3) and, on iOS 10.2+,
 * the Manifest.db key (§6.4). Hold them only as long as needed; they are the backup's secrets.
 */
export interface BackupKeys {
  /** Protection class (§6.6) → unwrapped 32-byte class key. */
  readonly classKeys: ReadonlyMap<number, Buffer>;
  /** The unwrapped Manifest.db key; absent before iOS 10.2, when Manifest.db is plaintext. */
  readonly manifestDbKey?: Buffer;
  readonly manifestKeyClass?: number;
}

const WRONG_PASSWORD = 'The backup password is not correct.';

function manifestDict(manifestPlist: Buffer | PlistDict): PlistDict {
  if (!Buffer.isBuffer(manifestPlist)) return manifestPlist;
  let decoded;
  try {
    decoded = decodePlist(manifestPlist, PLIST_BUDGETS.metadataFile);
  } catch (error) {
    throw new BackupError('corrupt', 'The backup\'s Manifest.plist cannot be read, so its encryption cannot be opened.', { cause: error });
  }
  if (!isPlistDict(decoded)) throw new BackupError('corrupt', 'The backup\'s Manifest.plist is not a dictionary, so its encryption cannot be opened.');
  return decoded;
}

/** Whether Manifest.plist (bytes or decoded) says the backup is encrypted (§5.4 `IsEncrypted`). */
export function isEncryptedBackup(manifestPlist: Buffer | PlistDict): boolean {
  return plistBoolean(manifestDict(manifestPlist).IsEncrypted) === true;
}

/**
 * Opens an encrypted backup with its password: derive the key-encryption key from the keybag's
 * KDF parameters (§6.2, cached per backup+password for the process), unwrap every
 * password-wrapped class key (§6.3; any integrity failure = wrong password), then the ManifestKey.
 * `signal` cancels the wait for the key derivation (BackupError `cancelled`).
 */
export async function unlockBackup(manifestPlist: Buffer | PlistDict, password: string, signal?: AbortSignal): Promise<BackupKeys> {
  const manifest = manifestDict(manifestPlist);
  if (!isEncryptedBackup(manifest)) {
    throw new BackupError('unsupported', 'This backup is not encrypted, so it needs no password.');
  }
  const keybagBytes = plistData(manifest.BackupKeyBag);
  if (!keybagBytes) throw new BackupError('corrupt', 'The encrypted backup has no key bag in Manifest.plist, so it cannot be opened.');
  const keybag = parseKeybag(keybagBytes);
  const kek = await deriveKeyEncryptionKeyCached(password, keybag.header, signal);

  const classKeys = new Map<number, Buffer>();
  for (const record of keybag.classKeys) {
    // Keys tangled only with the device UID (WRAP & 1) can be opened on the phone alone (§6.3).
    if ((record.wrap & WRAPPED_WITH_PASSWORD_KEY) === 0 || !record.wrappedKey) continue;
    const classKey = unwrapKey(kek, record.wrappedKey);
    if (!classKey) throw new BackupError('wrong-password', WRONG_PASSWORD);
    classKeys.set(record.protectionClass, classKey);
  }
  if (classKeys.size === 0) {
    throw new BackupError('corrupt', 'The backup\'s key bag holds no keys a password can open, so it cannot be decrypted.');
  }

  const manifestKey = plistData(manifest.ManifestKey);
  if (!manifestKey) return { classKeys };
  const { protectionClass, key } = unwrapClassWrappedKey({ classKeys }, manifestKey, 'Manifest.db key');
  return { classKeys, manifestDbKey: key, manifestKeyClass: protectionClass };
}

/**
 * `u32 LE protection class + 40-byte wrapped key` → the key (§6.4 ManifestKey, §6.5 EncryptionKey).
 * The password already opened the class keys, so a failure here means a damaged backup.
 */
export function unwrapClassWrappedKey(keys: Pick<BackupKeys, 'classKeys'>, classAndWrappedKey: Buffer, what: string): { protectionClass: number; key: Buffer } {
  if (classAndWrappedKey.length !== 44) {
    throw new BackupError('corrupt', `The backup's ${what} is ${classAndWrappedKey.length} bytes instead of 44; the backup is damaged.`);
  }
  const protectionClass = classAndWrappedKey.readUInt32LE(0);
  const classKey = keys.classKeys.get(protectionClass);
  if (!classKey) {
    throw new BackupError('corrupt', `The backup's ${what} uses protection class ${protectionClass}, which its key bag cannot open.`);
  }
  const key = unwrapKey(classKey, classAndWrappedKey.subarray(4));
  if (!key) throw new BackupError('corrupt', `The backup's ${what} does not unwrap with its class key; the backup is damaged.`);
  return { protectionClass, key };
}
