/**
 * The backup password, optionally remembered per phone, encrypted with the OS keychain (Electron's
 * safeStorage: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) into one file with
 * mode 0600 in the app's data folder. The cipher is injected, so the vault is plain Node and tested
 * with a fake; where no keychain is available it refuses to store rather than keep a password in
 * the clear. The core reaches it through the `PasswordVault` interface only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface PasswordVault {
  /** Whether passwords can be remembered on this computer at all. */
  isAvailable(): boolean;
  /** The remembered password, or undefined (none, or it can no longer be decrypted). */
  get(udid: string): Promise<string | undefined>;
  /** Remembers a password; throws PasswordVaultError('unavailable') without a keychain. */
  set(udid: string, password: string): Promise<void>;
  delete(udid: string): Promise<void>;
}

/** Encrypts with a key the OS keeps (safeStorage), so the file alone reveals nothing. */
export interface SecretCipher {
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

type PasswordVaultErrorCode = 'unavailable' | 'invalid' | 'io';

export class PasswordVaultError extends Error {
  constructor(
    readonly code: PasswordVaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PasswordVaultError';
  }
}

/** The cipher outside Electron (CLI, web mode, tests): there is no keychain, so nothing is stored. */
export const NO_KEYCHAIN_CIPHER: SecretCipher = {
  isAvailable: () => false,
  encrypt: () => {
    throw new PasswordVaultError('unavailable', 'This computer has no keychain Lifeboat can use, so the backup password cannot be remembered.');
  },
  decrypt: () => {
    throw new PasswordVaultError('unavailable', 'This computer has no keychain Lifeboat can use to read remembered passwords.');
  },
};

export const PASSWORD_VAULT_FILE = 'backup-passwords.json';

interface VaultFile {
  readonly version: 1;
  /** UDID → base64 of the cipher's output. */
  readonly entries: Readonly<Record<string, string>>;
}

const UDID_PATTERN = /^[0-9A-Za-z-]{1,64}$/;

export class FilePasswordVault implements PasswordVault {
  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
  ) {}

  isAvailable(): boolean {
    return this.cipher.isAvailable();
  }

  async get(udid: string): Promise<string | undefined> {
    checkUdid(udid);
    const sealed = this.read().entries[udid];
    if (sealed === undefined || !this.cipher.isAvailable()) return undefined;
    try {
      return this.cipher.decrypt(Buffer.from(sealed, 'base64'));
    } catch {
      // Encrypted under another user or keychain: as good as not remembered; the person types it again.
      return undefined;
    }
  }

  async set(udid: string, password: string): Promise<void> {
    checkUdid(udid);
    if (password.length === 0) throw new PasswordVaultError('invalid', 'An empty password cannot be remembered.');
    if (!this.cipher.isAvailable()) {
      throw new PasswordVaultError('unavailable', 'This computer has no keychain Lifeboat can use, so the backup password cannot be remembered. Lifeboat will ask for it when it is needed.');
    }
    const sealed = this.cipher.encrypt(password).toString('base64');
    this.write({ ...this.read().entries, [udid]: sealed });
  }

  async delete(udid: string): Promise<void> {
    checkUdid(udid);
    const entries = { ...this.read().entries };
    if (!(udid in entries)) return;
    delete entries[udid];
    this.write(entries);
  }

  private read(): VaultFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new PasswordVaultError('io', `Lifeboat could not read its remembered passwords (${(error as Error).message}).`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<VaultFile>;
      if (parsed.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) return { version: 1, entries: {} };
      const entries: Record<string, string> = {};
      for (const [udid, sealed] of Object.entries(parsed.entries)) if (UDID_PATTERN.test(udid) && typeof sealed === 'string') entries[udid] = sealed;
      return { version: 1, entries };
    } catch {
      // A damaged file only loses remembered passwords, which the person can type again.
      return { version: 1, entries: {} };
    }
  }

  /** Atomic replace: a crash leaves the old file or the new one, never half of one; 0600 from the start. */
  private write(entries: Readonly<Record<string, string>>): void {
    const body: VaultFile = { version: 1, entries };
    const directory = path.dirname(this.file);
    const temporary = path.join(directory, `.${path.basename(this.file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    try {
      fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
      fs.writeFileSync(temporary, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      fs.renameSync(temporary, this.file);
      fs.chmodSync(this.file, 0o600);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw new PasswordVaultError('io', `Lifeboat could not save the remembered password (${(error as Error).message}).`);
    }
  }
}

function checkUdid(udid: string): void {
  if (!UDID_PATTERN.test(udid)) throw new PasswordVaultError('invalid', 'A phone identifier is letters, digits and dashes.');
}
