import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptFileContent, decryptManifestDb, unwrapKey } from './aes';
import { parseManifestPlist } from './backup-plists';
import { BackupCipher } from './encryption';
import { WrongPasswordError } from './errors';
import { fileIdFor } from './file-id';
import { deriveKeyEncryptionKeyAsync, parseKeybag, unlockKeybagWithKek } from './keybag';
import { ManifestDbWriter, readManifestDb } from './manifest-db';

const FIXTURE = new URL('../../../../shared/fixtures/pyiosbackup-encrypted/', import.meta.url).pathname;
const fast = { sha256Iterations: 20, sha1Iterations: 5 };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function collect(source: Buffer, transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([source]), transform, new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk), done()) }));
  return Buffer.concat(out);
}

describe('BackupCipher (protocol.md §6.4–6.5, §6.8)', () => {
  it('gives 44-byte EncryptionKeys that a re-unlocked cipher opens', async () => {
    const cipher = await BackupCipher.createAsync('pw', fast);
    const { key, encryptionKey } = cipher.newFileKey(3);
    expect(encryptionKey).toHaveLength(44);
    expect(encryptionKey.readUInt32LE(0)).toBe(3);
    const reopened = BackupCipher.unlock(cipher.keybag, 'pw');
    expect(reopened.fileKeyFrom(encryptionKey)).toEqual(key);
    expect(() => BackupCipher.unlock(cipher.keybag, 'nope')).toThrow(WrongPasswordError);
  });

  it('streams file content with the file key', async () => {
    const cipher = BackupCipher.create('pw', fast);
    const { key, encryptionKey } = cipher.newFileKey(4);
    const plain = randomBytes(1000);
    const encrypted = await collect(plain, cipher.createEncryptor(key));
    const decrypted = await collect(encrypted, cipher.createDecryptor(cipher.fileKeyFrom(encryptionKey), 1000));
    expect(decrypted.equals(plain)).toBe(true);
  });

  it('seals and opens a Manifest.db', async () => {
    const cipher = BackupCipher.create('pw', fast);
    const dbPath = path.join(dir, 'Manifest.db');
    const writer = new ManifestDbWriter(dbPath);
    writer.add({
      fileId: fileIdFor('HomeDomain', 'a'),
      domain: 'HomeDomain',
      relativePath: 'a',
      flags: 1,
      file: { relativePath: 'a', mode: 0o100644, inode: 1, uid: 501, gid: 501, mtime: 1, ctime: 1, birth: 1, size: 3, protectionClass: 4, encryptionKey: cipher.newFileKey(4).encryptionKey },
    });
    writer.finish();
    const plaintext = fs.readFileSync(dbPath);
    const { ciphertext, manifestKey } = cipher.sealManifestDb(plaintext);
    expect(manifestKey.readUInt32LE(0)).toBe(4);
    expect(ciphertext.subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    expect(cipher.openManifestDb(ciphertext, manifestKey).equals(plaintext)).toBe(true);
    const stranger = BackupCipher.create('pw', fast);
    expect(() => stranger.openManifestDb(ciphertext, manifestKey)).toThrow(/not wrapped with this backup's keybag/);
    expect(() => cipher.fileKeyFrom(Buffer.alloc(10))).toThrow(/44 bytes/);
  });

  it('refuses classes the keybag has no key for', () => {
    const cipher = BackupCipher.create('pw', { ...fast, classes: [1, 2, 3, 4] });
    expect(cipher.hasClass(4)).toBe(true);
    expect(() => cipher.newFileKey(7)).toThrow(/no key for protection class 7/);
  });
});

describe('the pyiosbackup encrypted fixture (password 0000, DPIC 10M)', () => {
  it('unlocks, decrypts Manifest.db and the file, and refuses a wrong KEK', async () => {
    const manifest = parseManifestPlist(fs.readFileSync(path.join(FIXTURE, 'Manifest.plist')));
    expect(manifest.isEncrypted).toBe(true);
    const keybag = parseKeybag(manifest.backupKeyBag!);
    expect(keybag).toMatchObject({ version: 5, type: 1, iterations: 10_000 });
    expect(keybag.doubleProtection?.iterations).toBe(10_000_000);
    expect(keybag.classKeys).toHaveLength(11);

    // One real derivation (≈3 s); the wrong-password path reuses the parsed keybag with a bad KEK.
    const kek = await deriveKeyEncryptionKeyAsync('0000', keybag);
    const classKeys = unlockKeybagWithKek(keybag, kek);
    expect(classKeys.size).toBe(11);
    const wrongKek = Buffer.from(kek);
    wrongKek.writeUInt8(wrongKek.readUInt8(31) ^ 0xff, 31);
    expect(() => unlockKeybagWithKek(keybag, wrongKek)).toThrow(WrongPasswordError);

    const manifestKey = manifest.manifestKey!;
    const dbKey = unwrapKey(classKeys.get(manifestKey.readUInt32LE(0))!, manifestKey.subarray(4));
    const dbPath = path.join(dir, 'Manifest.db');
    fs.writeFileSync(dbPath, decryptManifestDb(fs.readFileSync(path.join(FIXTURE, 'Manifest.db')), dbKey));
    const rows = [...readManifestDb(dbPath)];
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      fileId: '5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc',
      domain: 'MyTestDomain',
      relativePath: 'Media/Test.txt',
      flags: 1,
      file: { mode: 33261, uid: 501, gid: 501, mtime: 1628082463, size: 9 },
    });
    const encryptionKey = row!.file.encryptionKey!;
    const fileKey = unwrapKey(classKeys.get(encryptionKey.readUInt32LE(0))!, encryptionKey.subarray(4));
    const content = fs.readFileSync(path.join(FIXTURE, '57', row!.fileId));
    expect(decryptFileContent(content, fileKey, row!.file.size).toString('utf8')).toBe('Test data');
  });
});
