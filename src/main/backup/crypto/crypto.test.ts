import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../backup-error';
import { unwrapKey, wrapKey } from './aes-key-wrap';
import { deriveKeyEncryptionKey, deriveKeyEncryptionKeyCached } from './key-derivation';
import { parseKeybag } from './keybag';
import {
  createFileDecryptor,
  createFileEncryptor,
  decryptManifestDb,
  encryptManifestDb,
  encryptedContentSize,
  isEncryptedBackup,
  unlockBackup,
} from './index';
import { buildTestKeybag, classWrappedKey, encryptedManifestPlist } from './test-support/encrypted-backup-builder';

const range = (from: number, to: number): Buffer => Buffer.from(Array.from({ length: to - from }, (_, index) => from + index));

function pipeChunks(chunks: readonly Buffer[], transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  return buffer(Readable.from(chunks).pipe(transform));
}

/** Splits `bytes` into uneven chunks, as a disk or socket would deliver them. */
function unevenChunks(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, size = 1; offset < bytes.length; offset += size, size = (size * 7 + 3) % 97 + 1) {
    chunks.push(bytes.subarray(offset, offset + size));
  }
  return chunks;
}

describe('key derivation (protocol.md §6.2, §8.4 vectors)', () => {
  it('derives the §8.4 SHA-256 then SHA-1 key-encryption key', async () => {
    const header = { salt: range(0x14, 0x28), iterations: 100, doubleProtectionSalt: range(0x00, 0x14), doubleProtectionIterations: 1000 };
    const k1 = crypto.pbkdf2Sync('password', header.doubleProtectionSalt, 1000, 32, 'sha256');
    expect(k1.toString('hex')).toBe('1597e72f2737f0b942c03b21b6964bf784596984e719f2e01acde74ac585d63a');
    const kek = await deriveKeyEncryptionKey('password', header);
    expect(kek.toString('hex')).toBe('01fc73cd65a0c6abe622f5be4e2e84b46ee98c145fc4f0701c189ec63217929b');
  });

  it('uses PBKDF2-SHA1 alone when the keybag has no DPSL (iOS ≤ 10.1)', async () => {
    const header = { salt: range(0x14, 0x28), iterations: 100 };
    const kek = await deriveKeyEncryptionKey('password', header);
    expect(kek.equals(crypto.pbkdf2Sync('password', header.salt, 100, 32, 'sha1'))).toBe(true);
  });

  it('shares one derivation per password and parameters', () => {
    const header = { salt: range(0, 20), iterations: 7 };
    const first = deriveKeyEncryptionKeyCached('a', header);
    expect(deriveKeyEncryptionKeyCached('a', { ...header })).toBe(first);
    expect(deriveKeyEncryptionKeyCached('b', header)).not.toBe(first);
    expect(deriveKeyEncryptionKeyCached('a', { ...header, iterations: 8 })).not.toBe(first);
  });
});

describe('RFC 3394 key wrap (§6.3)', () => {
  const kek = range(0, 32);
  const keyData = Buffer.concat([Buffer.from('00112233445566778899aabbccddeeff', 'hex'), range(0, 16)]);
  const wrapped = '28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21';

  it('wraps and unwraps the RFC 3394 §4.6 vector', () => {
    expect(wrapKey(kek, keyData).toString('hex')).toBe(wrapped);
    expect(unwrapKey(kek, Buffer.from(wrapped, 'hex'))?.equals(keyData)).toBe(true);
  });

  it('reports an integrity failure (wrong key) as undefined', () => {
    const wrongKek = Buffer.from(kek);
    wrongKek.writeUInt8(wrongKek.readUInt8(0) ^ 1, 0);
    expect(unwrapKey(wrongKek, Buffer.from(wrapped, 'hex'))).toBeUndefined();
    expect(unwrapKey(kek, Buffer.alloc(7))).toBeUndefined();
  });
});

describe('keybag TLV parser (§6.1)', () => {
  it('separates the header from class records at the second UUID', async () => {
    const keybag = await buildTestKeybag({ password: 'pw', classes: [1, 2, 3, 4, 11] });
    const parsed = parseKeybag(keybag.bytes);
    expect(parsed.header.uuid?.equals(keybag.header.uuid ?? Buffer.alloc(0))).toBe(true);
    expect(parsed.header.salt.equals(keybag.header.salt)).toBe(true);
    expect([parsed.header.version, parsed.header.type, parsed.header.iterations, parsed.header.doubleProtectionIterations]).toEqual([4, 1, 10, 10]);
    expect(parsed.classKeys.map((record) => record.protectionClass)).toEqual([1, 2, 3, 4, 11]);
    expect(parsed.classKeys.every((record) => record.wrap === 3 && record.wrappedKey?.length === 40 && record.uuid.length === 16)).toBe(true);
  });

  it('masks flag bits out of TYPE', () => {
    const item = (tag: string, value: number): Buffer => {
      const bytes = Buffer.alloc(12);
      bytes.write(tag, 0, 'latin1');
      bytes.writeUInt32BE(4, 4);
      bytes.writeUInt32BE(value, 8);
      return bytes;
    };
    const bytes = Buffer.concat([item('TYPE', 0x80000001), Buffer.from('SALT\0\0\0\x02ab', 'latin1'), item('ITER', 5)]);
    expect(parseKeybag(bytes).header.type).toBe(1);
  });

  it('refuses a keybag cut short or missing its salt, with a sentence', async () => {
    const keybag = await buildTestKeybag({ password: 'pw' });
    for (const broken of [keybag.bytes.subarray(0, keybag.bytes.length - 3), keybag.bytes.subarray(0, 6), Buffer.from('VERS\0\0\0\x04\0\0\0\x04', 'latin1')]) {
      let caught: unknown;
      try {
        parseKeybag(broken);
      } catch (error) {
        caught = error;
      }
      expect(isBackupError(caught, 'corrupt')).toBe(true);
      expect((caught as Error).message).toMatch(/key bag is damaged/);
    }
  });
});

describe('unlockBackup, Manifest.db and file ciphers (§6.3–6.5)', () => {
  it('opens a generated keybag, and refuses a wrong password with the sentence', async () => {
    const keybag = await buildTestKeybag({ password: 'right horse' });
    const dbKey = crypto.randomBytes(32);
    const manifest = encryptedManifestPlist(keybag, dbKey);
    expect(isEncryptedBackup(manifest)).toBe(true);
    const keys = await unlockBackup(manifest, 'right horse');
    expect(keys.manifestDbKey?.equals(dbKey)).toBe(true);
    expect(keys.manifestKeyClass).toBe(4);
    expect([...keys.classKeys.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const [protectionClass, key] of keybag.classKeys) expect(keys.classKeys.get(protectionClass)?.equals(key)).toBe(true);
    await expect(unlockBackup(manifest, 'wrong horse')).rejects.toMatchObject({ code: 'wrong-password', message: 'The backup password is not correct.' });
  });

  it('opens an iOS ≤ 10.1 keybag (SHA-1 only, no ManifestKey) whose Manifest.db is plaintext', async () => {
    const keybag = await buildTestKeybag({ password: 'pw', sha256Iterations: 0 });
    const keys = await unlockBackup(encryptedManifestPlist(keybag, undefined), 'pw');
    expect(keys.manifestDbKey).toBeUndefined();
    const sqlite = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(16)]);
    expect(decryptManifestDb(sqlite, keys)).toBe(sqlite);
    expect(() => encryptManifestDb(sqlite, keys)).toThrow(/no Manifest key/);
  });

  it('says an unencrypted backup needs no password', async () => {
    await expect(unlockBackup({ IsEncrypted: false }, 'pw')).rejects.toMatchObject({ code: 'unsupported' });
    expect(isEncryptedBackup({})).toBe(false);
  });

  it('round-trips Manifest.db through AES-256-CBC without padding', async () => {
    const keybag = await buildTestKeybag({ password: 'pw' });
    const keys = await unlockBackup(encryptedManifestPlist(keybag, crypto.randomBytes(32)), 'pw');
    const plain = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), crypto.randomBytes(4096 - 16)]);
    const encrypted = encryptManifestDb(plain, keys);
    expect(encrypted.length).toBe(plain.length);
    expect(encrypted.subarray(0, 16).equals(plain.subarray(0, 16))).toBe(false);
    expect(decryptManifestDb(encrypted, keys).equals(plain)).toBe(true);
    expect(() => decryptManifestDb(encrypted.subarray(0, 4001), keys)).toThrow(/not a whole number of AES blocks/);
    const garbage = crypto.randomBytes(4096);
    expect(() => decryptManifestDb(garbage, keys)).toThrow(/did not decrypt to a database/);
  });

  it('streams files of every padding shape back to their exact bytes', async () => {
    const keybag = await buildTestKeybag({ password: 'pw' });
    const keys = await unlockBackup(encryptedManifestPlist(keybag, crypto.randomBytes(32)), 'pw');
    for (const size of [0, 1, 15, 16, 17, 31, 32, 100_003]) {
      const plain = crypto.randomBytes(size);
      const encryptionKey = classWrappedKey(keybag, 3, crypto.randomBytes(32));
      const encrypted = await pipeChunks(unevenChunks(plain), createFileEncryptor(keys, encryptionKey));
      expect(encrypted.length, `stored size of ${size} bytes`).toBe(encryptedContentSize(size));
      const decrypted = await pipeChunks(unevenChunks(encrypted), createFileDecryptor(keys, encryptionKey, size));
      expect(decrypted.equals(plain), `${size} bytes`).toBe(true);
    }
  });

  it('fails a truncated file, a wrong length and a foreign key as damaged', async () => {
    const keybag = await buildTestKeybag({ password: 'pw' });
    const keys = await unlockBackup(encryptedManifestPlist(keybag, crypto.randomBytes(32)), 'pw');
    const plain = crypto.randomBytes(1000);
    const encryptionKey = classWrappedKey(keybag, 1, crypto.randomBytes(32));
    const encrypted = await pipeChunks([plain], createFileEncryptor(keys, encryptionKey));
    await expect(pipeChunks([encrypted.subarray(0, 992)], createFileDecryptor(keys, encryptionKey, 1000))).rejects.toMatchObject({ code: 'corrupt' });
    await expect(pipeChunks([encrypted.subarray(0, 990)], createFileDecryptor(keys, encryptionKey, 1000))).rejects.toMatchObject({ code: 'corrupt' });
    await expect(pipeChunks([encrypted], createFileDecryptor(keys, encryptionKey, 999))).rejects.toThrow(/decrypted to 1000 bytes where the backup lists 999/);
    const unknownClass = Buffer.from(encryptionKey);
    unknownClass.writeUInt32LE(9, 0);
    expect(() => createFileDecryptor(keys, unknownClass, 1000)).toThrow(/protection class 9/);
    expect(() => createFileDecryptor(keys, encryptionKey.subarray(0, 40), 1000)).toThrow(/instead of 44/);
  });
});
