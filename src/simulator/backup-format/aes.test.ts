import { createDecipheriv, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  createFileDecryptor,
  createFileEncryptor,
  decryptFileContent,
  decryptManifestDb,
  encryptFileContent,
  encryptManifestDb,
  encryptedFileSize,
  unwrapKey,
  wrapKey,
} from './aes';
import { BackupFormatError } from './errors';

const hex = (value: string) => Buffer.from(value, 'hex');
const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');

async function runThrough(transform: NodeJS.ReadWriteStream, input: Buffer, chunkSize: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const output: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(output);
}

describe('RFC 3394 key wrap (protocol.md §6.3, vector §8.4)', () => {
  const keyData = hex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F');
  const wrapped = hex('28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21');

  it('wraps the RFC 3394 §4.6 vector', () => {
    expect(wrapKey(key, keyData)).toEqual(wrapped);
  });

  it('unwraps it back', () => {
    expect(unwrapKey(key, wrapped)).toEqual(keyData);
  });

  it('reports a wrong KEK as an integrity failure', () => {
    const other = Buffer.from(key);
    other.writeUInt8(other.readUInt8(0) ^ 1, 0);
    expect(() => unwrapKey(other, wrapped)).toThrow(expect.objectContaining({ code: 'key-unwrap-failed' }));
    expect(() => unwrapKey(key, wrapped.subarray(0, 20))).toThrow(BackupFormatError);
  });

  it('refuses keys of the wrong size', () => {
    expect(() => wrapKey(key.subarray(0, 16), keyData)).toThrow(/32 bytes/);
  });
});

describe('file content encryption (protocol.md §6.5)', () => {
  const fileKey = randomBytes(32);

  it.each([0, 1, 15, 16, 17, 1024 * 1024 + 3])('round-trips %i bytes through the streams', async (size) => {
    const plain = randomBytes(size);
    const encrypted = await runThrough(createFileEncryptor(fileKey), plain, 4093);
    expect(encrypted.length).toBe(encryptedFileSize(size));
    expect(encrypted.length % 16).toBe(0);
    expect(encrypted.length).toBeGreaterThan(size); // a full padding block when size % 16 == 0
    // Buffer.equals: vitest's deep equality walks a megabyte byte by byte.
    expect(encrypted.equals(encryptFileContent(plain, fileKey))).toBe(true);
    const decrypted = await runThrough(createFileDecryptor(fileKey, { expectedSize: size }), encrypted, 1000);
    expect(decrypted.length).toBe(size);
    expect(decrypted.equals(plain)).toBe(true);
    expect(decryptFileContent(encrypted, fileKey, size).equals(plain)).toBe(true);
  });

  it('uses PKCS#7 padding with a zero IV', () => {
    const encrypted = encryptFileContent(Buffer.from('Test data'), fileKey);
    const raw = createDecipheriv('aes-256-cbc', fileKey, Buffer.alloc(16)).setAutoPadding(false);
    const block = Buffer.concat([raw.update(encrypted), raw.final()]);
    expect(block.subarray(9)).toEqual(Buffer.alloc(7, 7));
  });

  it('accepts an empty stored file when the manifest says the file is empty', async () => {
    expect(await runThrough(createFileDecryptor(fileKey, { expectedSize: 0 }), Buffer.alloc(0), 16)).toHaveLength(0);
    expect(decryptFileContent(Buffer.alloc(0), fileKey, 0)).toHaveLength(0);
    await expect(runThrough(createFileDecryptor(fileKey, { expectedSize: 5 }), Buffer.alloc(0), 16)).rejects.toThrow(/non-empty/);
  });

  it('fails clearly on a wrong key, a truncated file or a size mismatch', async () => {
    const plain = randomBytes(100);
    const encrypted = encryptFileContent(plain, fileKey);
    // A random wrong key leaves valid-looking padding 1 time in ~256; with the recorded size it cannot pass.
    await expect(runThrough(createFileDecryptor(randomBytes(32), { expectedSize: 100 }), encrypted, 64)).rejects.toThrow(BackupFormatError);
    await expect(runThrough(createFileDecryptor(fileKey), encrypted.subarray(0, 90), 64)).rejects.toThrow(/multiple of 16/);
    await expect(runThrough(createFileDecryptor(fileKey, { expectedSize: 99 }), encrypted, 64)).rejects.toThrow(/manifest says 99/);
    expect(() => decryptFileContent(Buffer.alloc(0), fileKey)).toThrow(expect.objectContaining({ code: 'bad-ciphertext' }));
  });
});

describe('Manifest.db encryption (protocol.md §6.4)', () => {
  it('round-trips without padding', () => {
    const db = randomBytes(4096 * 3);
    const dbKey = randomBytes(32);
    const encrypted = encryptManifestDb(db, dbKey);
    expect(encrypted.length).toBe(db.length);
    expect(encrypted).not.toEqual(db);
    expect(decryptManifestDb(encrypted, dbKey)).toEqual(db);
  });

  it('refuses unaligned input', () => {
    expect(() => encryptManifestDb(Buffer.alloc(17), randomBytes(32))).toThrow(/multiple of 16/);
    expect(() => decryptManifestDb(Buffer.alloc(15), randomBytes(32))).toThrow(BackupFormatError);
  });
});
