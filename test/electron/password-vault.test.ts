import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePasswordVault, NO_KEYCHAIN_CIPHER, PasswordVaultError, type SecretCipher } from '../../src/main/electron/password-vault';

/** A stand-in for safeStorage: XOR with a key, tagged so a foreign blob fails to decrypt. */
function fakeCipher(key = 0x5a): SecretCipher & { available: boolean } {
  return {
    available: true,
    isAvailable() {
      return this.available;
    },
    encrypt: (plain) => Buffer.concat([Buffer.from([key]), Buffer.from(plain, 'utf8').map((byte) => byte ^ key)]),
    decrypt: (sealed) => {
      if (sealed[0] !== key) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(sealed.subarray(1).map((byte) => byte ^ key)).toString('utf8');
    },
  };
}

describe('password vault', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    file = path.join(dir, 'user-data', 'backup-passwords.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('remembers, reads back and forgets a password per phone, never in the clear', async () => {
    const vault = new FilePasswordVault(file, fakeCipher());
    await vault.set('UDID-1', 'correct horse');
    await vault.set('UDID-2', 'battery staple');
    expect(await vault.get('UDID-1')).toBe('correct horse');
    expect(await new FilePasswordVault(file, fakeCipher()).get('UDID-2')).toBe('battery staple');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('correct horse');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await vault.delete('UDID-1');
    expect(await vault.get('UDID-1')).toBeUndefined();
    expect(await vault.get('UDID-2')).toBe('battery staple');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['backup-passwords.json']);
  });

  it('refuses to store without a keychain and reads nothing', async () => {
    const vault = new FilePasswordVault(file, NO_KEYCHAIN_CIPHER);
    expect(vault.isAvailable()).toBe(false);
    await expect(vault.set('UDID-1', 'secret')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('cannot be remembered') });
    expect(fs.existsSync(file)).toBe(false);
    const cipher = fakeCipher();
    await new FilePasswordVault(file, cipher).set('UDID-1', 'secret');
    cipher.available = false;
    expect(await new FilePasswordVault(file, cipher).get('UDID-1')).toBeUndefined();
  });

  it('treats a password sealed by another keychain or a damaged file as not remembered', async () => {
    await new FilePasswordVault(file, fakeCipher(0x11)).set('UDID-1', 'secret');
    expect(await new FilePasswordVault(file, fakeCipher(0x22)).get('UDID-1')).toBeUndefined();
    fs.writeFileSync(file, '{ not json');
    const vault = new FilePasswordVault(file, fakeCipher());
    expect(await vault.get('UDID-1')).toBeUndefined();
    await vault.set('UDID-1', 'again');
    expect(await vault.get('UDID-1')).toBe('again');
  });

  it('rejects identifiers that are not UDIDs and empty passwords', async () => {
    const vault = new FilePasswordVault(file, fakeCipher());
    await expect(vault.set('../escape', 'x')).rejects.toBeInstanceOf(PasswordVaultError);
    await expect(vault.get('__proto__')).rejects.toMatchObject({ code: 'invalid' });
    await expect(vault.set('UDID-1', '')).rejects.toMatchObject({ code: 'invalid' });
  });
});
