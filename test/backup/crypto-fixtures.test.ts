import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogRows, openManifestDb } from '../../src/main/backup/catalog/manifest-source';
import { createFileDecryptor, decryptManifestDb, isEncryptedBackup, unlockBackup, type BackupKeys } from '../../src/main/backup/crypto';
import { encryptedFixture, haveFixtures, missingFixturesNote, treeFingerprint } from './fixture-paths';

/**
 * The encrypted backup from pyiosbackup's test data (password 0000; a real 10-million-round
 * keybag, about 3 s of PBKDF2), opened by Lifeboat's own crypto (protocol.md §6).
 */
if (!haveFixtures) console.warn(missingFixturesNote);

describe.skipIf(!haveFixtures)('crypto on the pyiosbackup encrypted fixture', () => {
  let manifestPlist: Buffer;
  let keys: BackupKeys;
  let before: string;

  beforeAll(async () => {
    before = treeFingerprint(encryptedFixture);
    manifestPlist = fs.readFileSync(path.join(encryptedFixture, 'Manifest.plist'));
    keys = await unlockBackup(manifestPlist, '0000');
  });

  afterAll(() => {
    // Read in place, never modified: no -shm/-wal, no decrypted copy left beside it.
    if (haveFixtures) expect(treeFingerprint(encryptedFixture)).toBe(before);
  });

  it('says it is encrypted and unwraps the class-2 Manifest key', () => {
    expect(isEncryptedBackup(manifestPlist)).toBe(true);
    expect(keys.manifestKeyClass).toBe(2);
    expect(keys.manifestDbKey?.length).toBe(32);
  });

  it('decrypts Manifest.db in memory to the one row of the fixture', () => {
    const encrypted = fs.readFileSync(path.join(encryptedFixture, 'Manifest.db'));
    expect(encrypted.subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    expect(decryptManifestDb(encrypted, keys).subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    const opened = openManifestDb(encryptedFixture, keys);
    if (opened.kind !== 'open') throw new Error('expected the decrypted database');
    try {
      const rows = [...catalogRows(opened.db)];
      expect(rows.map((row) => [row.fileId, row.domain, row.relativePath, row.kind, row.size])).toEqual([
        ['5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc', 'MyTestDomain', 'Media/Test.txt', 'file', 9],
      ]);
    } finally {
      opened.db.close();
    }
  });

  it('decrypts the content file to "Test data"', async () => {
    const opened = openManifestDb(encryptedFixture, keys);
    if (opened.kind !== 'open') throw new Error('expected the decrypted database');
    const [row] = [...catalogRows(opened.db)];
    opened.db.close();
    if (!row?.encryptionKey) throw new Error('the fixture row has no EncryptionKey');
    const content = fs.createReadStream(path.join(encryptedFixture, '57', row.fileId));
    const plain = await buffer(content.pipe(createFileDecryptor(keys, row.encryptionKey, row.size)));
    expect(plain.toString('utf8')).toBe('Test data');
  });

  it('without keys reports the Manifest.db as encrypted instead of failing', () => {
    expect(openManifestDb(encryptedFixture).kind).toBe('encrypted');
  });

  it('refuses a wrong password with a sentence a person understands', async () => {
    await expect(unlockBackup(manifestPlist, '1234')).rejects.toMatchObject({ name: 'BackupError', code: 'wrong-password', message: 'The backup password is not correct.' });
  });

  it('fails a tampered file as damaged rather than returning wrong bytes', async () => {
    const opened = openManifestDb(encryptedFixture, keys);
    if (opened.kind !== 'open') throw new Error('expected the decrypted database');
    const [row] = [...catalogRows(opened.db)];
    opened.db.close();
    if (!row?.encryptionKey) throw new Error('the fixture row has no EncryptionKey');
    const tampered = Buffer.from(fs.readFileSync(path.join(encryptedFixture, '57', row.fileId)));
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0x55, tampered.length - 1);
    await expect(buffer(Readable.from([tampered]).pipe(createFileDecryptor(keys, row.encryptionKey, row.size)))).rejects.toMatchObject({ code: 'corrupt' });
  });
});
