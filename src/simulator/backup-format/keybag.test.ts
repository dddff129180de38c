import { describe, expect, it } from 'vitest';
import { unwrapKey } from './aes';
import { WrongPasswordError } from './errors';
import {
  createBackupKeybag,
  createBackupKeybagAsync,
  deriveKeyEncryptionKey,
  deriveKeyEncryptionKeyAsync,
  parseKeybag,
  unlockBackupKeybag,
  unlockBackupKeybagAsync,
} from './keybag';

const range = (from: number, count: number) => Buffer.from(Array.from({ length: count }, (_, i) => from + i));
const fast = { sha256Iterations: 50, sha1Iterations: 10 };

describe('password → KEK (protocol.md §6.2, vector §8.4)', () => {
  const parameters = {
    salt: range(0x14, 20),
    iterations: 100,
    doubleProtection: { salt: range(0x00, 20), iterations: 1000 },
  };
  const expected = '01fc73cd65a0c6abe622f5be4e2e84b46ee98c145fc4f0701c189ec63217929b';

  it('chains PBKDF2-SHA256 then PBKDF2-SHA1', async () => {
    expect(deriveKeyEncryptionKey('password', parameters).toString('hex')).toBe(expected);
    expect((await deriveKeyEncryptionKeyAsync('password', parameters)).toString('hex')).toBe(expected);
  });

  it('uses only the SHA-1 round without DPSL/DPIC (≤ iOS 10.1)', () => {
    const single = deriveKeyEncryptionKey('password', { salt: parameters.salt, iterations: 100 });
    expect(single.toString('hex')).not.toBe(expected);
    expect(single).toHaveLength(32);
  });
});

describe('Backup keybag (protocol.md §6.1, §6.8)', () => {
  it('builds a keybag the parser reads back with the agreed header and class records', () => {
    const { keybag, classKeys } = createBackupKeybag('secret', fast);
    const parsed = parseKeybag(keybag);
    expect(parsed).toMatchObject({ version: 5, type: 1, wrap: 0, iterations: 10 });
    expect(parsed.salt).toHaveLength(20);
    expect(parsed.hmck).toHaveLength(40);
    expect(parsed.uuid).toHaveLength(16);
    expect(parsed.doubleProtection).toMatchObject({ iterations: 50, wrapType: 1 });
    expect(parsed.doubleProtection?.salt).toHaveLength(20);
    expect(parsed.classKeys.map((record) => record.protectionClass)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const record of parsed.classKeys) {
      expect(record).toMatchObject({ wrap: 2, keyType: 0 });
      expect(record.wrappedKey).toHaveLength(40);
    }
    const tags = [];
    for (let offset = 0; offset < keybag.length; offset += 8 + keybag.readUInt32BE(offset + 4)) {
      tags.push(keybag.toString('latin1', offset, offset + 4));
    }
    expect(tags.slice(0, 15)).toEqual(['VERS', 'TYPE', 'UUID', 'HMCK', 'WRAP', 'SALT', 'ITER', 'DPWT', 'DPIC', 'DPSL', 'UUID', 'CLAS', 'WRAP', 'KTYP', 'WPKY']);
    const kek = deriveKeyEncryptionKey('secret', parsed);
    expect(unwrapKey(kek, parsed.classKeys[2]!.wrappedKey!)).toEqual(classKeys.get(3));
  });

  it('unlocks with the right password and refuses a wrong one', async () => {
    const { keybag, classKeys } = await createBackupKeybagAsync('hunter2', fast);
    expect(unlockBackupKeybag(keybag, 'hunter2')).toEqual(classKeys);
    expect(await unlockBackupKeybagAsync(keybag, 'hunter2')).toEqual(classKeys);
    expect(() => unlockBackupKeybag(keybag, 'hunter3')).toThrow(WrongPasswordError);
    await expect(unlockBackupKeybagAsync(keybag, '')).rejects.toThrow(/password is wrong/);
  });

  it('gives different salts and keys every time', () => {
    const a = createBackupKeybag('x', fast);
    const b = createBackupKeybag('x', fast);
    expect(a.keybag).not.toEqual(b.keybag);
    expect(a.classKeys.get(1)).not.toEqual(b.classKeys.get(1));
  });

  it('refuses damaged keybags with a clear error', () => {
    const { keybag } = createBackupKeybag('x', fast);
    expect(() => parseKeybag(keybag.subarray(0, keybag.length - 3))).toThrow(/keybag is damaged/);
    expect(() => parseKeybag(Buffer.from('VERS\0\0\0\x04\0\0\0\x05'))).toThrow(/SALT/);
    expect(() => createBackupKeybag('x', { sha256Iterations: 0 })).toThrow(RangeError);
  });
});
