import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { encodeXmlPlist } from '../../src/main/device/codec';
import { BackupCipher, buildManifestPlist, buildStatusPlist, encryptFileContent, fileIdFor, ManifestDbWriter, type MbFileInfo } from '../../src/simulator/backup-format';
import { findRepoRoot } from './repo-root';

/**
 * The valid backup folders hostile ones are made from: two written by the simulator's own
 * backup-format library (plain, and encrypted with a real keybag whose PBKDF2 counts are tiny so a
 * case costs milliseconds), and the mvt fixture (a real iOS 14 Manifest.db, read from
 * ../shared/fixtures, never written to).
 */
export interface FolderSample {
  readonly name: 'sim-plain' | 'sim-encrypted' | 'mvt';
  /** Relative path → bytes; Manifest.db is the plaintext database. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** For encrypted samples: the password and how to seal a (mutated) plaintext Manifest.db. */
  readonly encryption?: EncryptionRecipe;
}

export interface EncryptionRecipe {
  readonly password: string;
  readonly keybag: Buffer;
  /** The encrypted Manifest.db and the Manifest.plist that carries its key, for a keybag (perhaps mutated). */
  seal(plaintextDb: Buffer, keybag: Buffer): { readonly manifestDb: Buffer; readonly manifestPlist: Buffer };
}

export const SAMPLE_UDID = '00008110-000A1B2C3D4E801E';
export const FUZZ_PASSWORD = 'fuzz-password';
const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
export const FIXTURES_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');

const LOCKDOWN = { ProductVersion: '17.5.1', ProductType: 'iPhone14,2', UniqueDeviceID: SAMPLE_UDID, DeviceName: 'Fuzz iPhone', BuildVersion: '21F90' };
const DATE = new Date('2025-01-02T03:04:05Z');

const CONTENT: readonly (readonly [string, string, string])[] = [
  ['HomeDomain', 'Library/Preferences/com.apple.springboard.plist', 'prefs'],
  ['HomeDomain', 'Library/SMS/sms.db', 'sqlite-ish'],
  ['CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG', '\xff\xd8\xff\xe0 jpeg'],
  ['CameraRollDomain', 'Media/PhotoData/Photos.sqlite', 'photos'],
  ['AppDomain-com.example.notes', 'Documents/note.txt', 'hello'],
  ['AppDomainGroup-group.com.example', 'Library/shared.dat', 'shared'],
];

function mbFile(relativePath: string, size: number, extra: Partial<MbFileInfo> = {}): MbFileInfo {
  return { relativePath, mode: 0o100644, inode: 1000 + size, uid: 501, gid: 501, mtime: 1_700_000_000, ctime: 1_700_000_000, birth: 1_700_000_000, size, protectionClass: 3, ...extra };
}

function infoPlist(): Buffer {
  return encodeXmlPlist({
    'Device Name': 'Fuzz iPhone',
    'Display Name': 'Fuzz iPhone',
    'Product Type': 'iPhone14,2',
    'Product Version': '17.5.1',
    'Target Identifier': SAMPLE_UDID,
    'Unique Identifier': SAMPLE_UDID,
    'Last Backup Date': DATE,
    'Installed Applications': ['com.example.notes'],
    Applications: { 'com.example.notes': { PlaceholderIcon: Buffer.from('icon') } },
  });
}

/** Builds Manifest.db with the simulator's writer in a scratch folder and returns its bytes. */
function manifestDb(scratch: string, cipher: BackupCipher | undefined, files: Map<string, Buffer>): Buffer {
  const dbPath = path.join(scratch, `Manifest-${cipher ? 'enc' : 'plain'}.db`);
  const writer = new ManifestDbWriter(dbPath);
  for (const [domain, relativePath, text] of CONTENT) {
    const id = fileIdFor(domain, relativePath);
    const content = Buffer.from(text, 'latin1');
    let extra: Partial<MbFileInfo> = {};
    let stored: Buffer = content;
    if (cipher) {
      const { key, encryptionKey } = cipher.newFileKey(3);
      extra = { encryptionKey };
      stored = encryptFileContent(content, key);
    }
    files.set(`${id.slice(0, 2)}/${id}`, stored);
    writer.add({ fileId: id, domain, relativePath, flags: 1, file: mbFile(relativePath, content.length, extra) });
  }
  writer.add({ fileId: fileIdFor('HomeDomain', 'Library'), domain: 'HomeDomain', relativePath: 'Library', flags: 2, file: mbFile('Library', 0, { mode: 0o40755 }) });
  writer.add({ fileId: fileIdFor('HomeDomain', 'Library/link'), domain: 'HomeDomain', relativePath: 'Library/link', flags: 4, file: mbFile('Library/link', 0, { mode: 0o120755, linkTarget: '/var/mobile/Library' }) });
  writer.finish();
  const bytes = fs.readFileSync(dbPath);
  fs.rmSync(dbPath, { force: true });
  return bytes;
}

function simSample(encrypted: boolean, scratch: string): FolderSample {
  const files = new Map<string, Buffer>();
  const status = buildStatusPlist({ snapshotState: 'finished', isFullBackup: true, backupState: 'new', date: DATE, uuid: 'FUZZ-SAMPLE' });
  files.set('Info.plist', infoPlist());
  files.set('Status.plist', status);
  if (!encrypted) {
    files.set('Manifest.db', manifestDb(scratch, undefined, files));
    files.set('Manifest.plist', buildManifestPlist({ isEncrypted: false, date: DATE, wasPasscodeSet: false, lockdown: LOCKDOWN }));
    return { name: 'sim-plain', files };
  }
  const cipher = BackupCipher.create(FUZZ_PASSWORD, { sha256Iterations: 10, sha1Iterations: 10 });
  files.set('Manifest.db', manifestDb(scratch, cipher, files));
  const seal = (plaintextDb: Buffer, keybag: Buffer) => {
    // AES-CBC without padding (§6.4) needs whole blocks: a truncated database is padded with zeros.
    const whole = plaintextDb.length % 16 === 0 ? plaintextDb : Buffer.concat([plaintextDb, Buffer.alloc(16 - (plaintextDb.length % 16))]);
    const { ciphertext, manifestKey } = cipher.sealManifestDb(whole);
    return { manifestDb: ciphertext, manifestPlist: buildManifestPlist({ isEncrypted: true, backupKeyBag: keybag, manifestKey, date: DATE, wasPasscodeSet: true, lockdown: LOCKDOWN }) };
  };
  files.set('Manifest.plist', seal(files.get('Manifest.db') as Buffer, cipher.keybag).manifestPlist);
  return { name: 'sim-encrypted', files, encryption: { password: FUZZ_PASSWORD, keybag: cipher.keybag, seal } };
}

function fixtureSample(scratch: string): FolderSample | undefined {
  const folder = path.join(FIXTURES_DIR, 'mvt-ios-backup');
  if (!fs.existsSync(folder)) return undefined;
  const files = new Map<string, Buffer>();
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(folder, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && !/-(wal|shm)$/.test(entry.name)) files.set(child, fs.readFileSync(path.join(folder, child)));
    }
  };
  walk('');
  // Its 3,721 rows make every case cost a second on a busy machine: keep the rows of the files it
  // holds and a few hundred others, with the real schema, indexes and Properties table.
  const db = files.get('Manifest.db');
  if (db) files.set('Manifest.db', trimmedDatabase(db, scratch, [...files.keys()].map((name) => path.basename(name))));
  return { name: 'mvt', files };
}

function trimmedDatabase(bytes: Buffer, scratch: string, keep: readonly string[]): Buffer {
  const file = path.join(scratch, 'mvt-Manifest.db');
  fs.writeFileSync(file, bytes);
  const db = new Database(file);
  try {
    const placeholders = keep.map(() => '?').join(',');
    db.prepare(`DELETE FROM Files WHERE fileID NOT IN (${placeholders || "''"}) AND rowid % 12 != 0`).run(...keep);
    db.exec('VACUUM');
  } finally {
    db.close();
  }
  const trimmed = fs.readFileSync(file);
  fs.rmSync(file, { force: true });
  return trimmed;
}

/** Built once per process, before any case runs (and before the escape guard is armed). */
export function buildFolderSamples(): readonly FolderSample[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fuzz-samples-'));
  try {
    const samples = [simSample(false, scratch), simSample(true, scratch)];
    const fixture = fixtureSample(scratch);
    return fixture ? [...samples, fixture] : samples;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

