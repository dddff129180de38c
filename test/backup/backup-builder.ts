import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePlist, PlistUid, type PlistDict, type PlistValue } from '../../src/main/device/codec';
import { encryptManifestDb, unlockBackup, type BackupKeys } from '../../src/main/backup/crypto';
import { buildTestKeybag, classWrappedKey, encryptedManifestPlist, type TestKeybag } from '../../src/main/backup/crypto/test-support/encrypted-backup-builder';
import type { LifeboatSidecar } from '../../src/main/backup/catalog';

/**
 * Writes small iTunes-format backups for catalog tests (protocol.md §5): plists, a Manifest.db with
 * NSKeyedArchiver MBFile rows, `xx/<fileID>` content; optionally encrypted (§6.8).
 */

export interface TestFile {
  readonly domain: string;
  readonly relativePath: string;
  readonly content: Buffer;
}

export interface TestBackupOptions {
  readonly udid: string;
  readonly files: readonly TestFile[];
  readonly date?: Date;
  readonly deviceName?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  readonly password?: string;
  readonly sidecar?: LifeboatSidecar;
  /** Leave Status.plist out, or write it with this SnapshotState. */
  readonly snapshotState?: string | null;
}

export function fileIdOf(domain: string, relativePath: string): string {
  return crypto.createHash('sha1').update(`${domain}-${relativePath}`, 'utf8').digest('hex');
}

function mbFileArchive(relativePath: string, size: number, encryptionKey?: Buffer): Buffer {
  const objects: PlistValue[] = ['$null'];
  const root: Record<string, PlistValue> = {
    RelativePath: new PlistUid(2),
    Size: size,
    Mode: 0o100644,
    UserID: 501,
    GroupID: 501,
    LastModified: 1_700_000_000,
    LastStatusChange: 1_700_000_000,
    Birth: 1_700_000_000,
    InodeNumber: 1,
    ProtectionClass: 3,
    Flags: 0,
    $class: new PlistUid(encryptionKey ? 5 : 3),
  };
  objects.push(root, relativePath);
  if (encryptionKey) {
    root.EncryptionKey = new PlistUid(3);
    objects.push({ 'NS.data': encryptionKey, $class: new PlistUid(4) }, { $classname: 'NSMutableData', $classes: ['NSMutableData', 'NSData', 'NSObject'] });
  }
  objects.push({ $classname: 'MBFile', $classes: ['MBFile', 'NSObject'] });
  return encodePlist({ $version: 100000, $archiver: 'NSKeyedArchiver', $top: { root: new PlistUid(1) }, $objects: objects }, 'binary');
}

function encryptContent(key: Buffer, content: Buffer): Buffer {
  if (content.length === 0) return content;
  const cipher = crypto.createCipheriv('aes-256-cbc', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(content), cipher.final()]);
}

function buildManifestDb(rows: ReadonlyArray<{ fileId: string; domain: string; relativePath: string; flags: number; blob: Buffer }>): Buffer {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  try {
    const file = path.join(scratch, 'Manifest.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
             CREATE INDEX FilesDomainIdx ON Files(domain); CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
             CREATE INDEX FilesFlagsIdx ON Files(flags); CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);`);
    const insert = db.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)');
    for (const row of rows) insert.run(row.fileId, row.domain, row.relativePath, row.flags, row.blob);
    db.close();
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface WrittenBackup {
  readonly folder: string;
  readonly keys?: BackupKeys;
  readonly keybag?: TestKeybag;
}

export async function writeTestBackup(folder: string, options: TestBackupOptions): Promise<WrittenBackup> {
  const date = options.date ?? new Date('2025-06-01T10:00:00Z');
  fs.mkdirSync(folder, { recursive: true });
  let keybag: TestKeybag | undefined;
  let keys: BackupKeys | undefined;
  let manifestPlist: Buffer;
  const lockdown: PlistDict = { UniqueDeviceID: options.udid, DeviceName: options.deviceName ?? 'Test iPhone', ProductType: options.productType ?? 'iPhone14,5', ProductVersion: options.productVersion ?? '17.5', BuildVersion: '21F79' };
  if (options.password !== undefined) {
    keybag = await buildTestKeybag({ password: options.password, sha256Iterations: 5, sha1Iterations: 5 });
    manifestPlist = encryptedManifestPlist(keybag, crypto.randomBytes(32), { Date: date, Lockdown: lockdown });
    keys = await unlockBackup(manifestPlist, options.password);
  } else {
    manifestPlist = encodePlist({ Version: '10.0', IsEncrypted: false, Date: date, Lockdown: lockdown }, 'binary');
  }
  const rows = [];
  const directories = new Set<string>();
  for (const file of options.files) {
    const fileId = fileIdOf(file.domain, file.relativePath);
    let stored = file.content;
    let encryptionKey: Buffer | undefined;
    if (keybag && keys && file.content.length > 0) {
      const key = crypto.randomBytes(32);
      encryptionKey = classWrappedKey(keybag, 3, key);
      stored = encryptContent(key, file.content);
    }
    fs.mkdirSync(path.join(folder, fileId.slice(0, 2)), { recursive: true });
    fs.writeFileSync(path.join(folder, fileId.slice(0, 2), fileId), stored);
    rows.push({ fileId, domain: file.domain, relativePath: file.relativePath, flags: 1, blob: mbFileArchive(file.relativePath, file.content.length, encryptionKey) });
    const parent = path.posix.dirname(file.relativePath);
    if (parent !== '.' && !directories.has(`${file.domain}-${parent}`)) {
      directories.add(`${file.domain}-${parent}`);
      rows.push({ fileId: fileIdOf(file.domain, parent), domain: file.domain, relativePath: parent, flags: 2, blob: mbFileArchive(parent, 0) });
    }
  }
  let db = buildManifestDb(rows);
  if (keys) db = encryptManifestDb(db, keys);
  fs.writeFileSync(path.join(folder, 'Manifest.db'), db);
  fs.writeFileSync(path.join(folder, 'Manifest.plist'), manifestPlist);
  fs.writeFileSync(
    path.join(folder, 'Info.plist'),
    encodePlist({ 'Device Name': options.deviceName ?? 'Test iPhone', 'Product Type': options.productType ?? 'iPhone14,5', 'Product Version': options.productVersion ?? '17.5', 'Target Identifier': options.udid, 'Last Backup Date': date }, 'xml'),
  );
  if (options.snapshotState !== null) {
    fs.writeFileSync(
      path.join(folder, 'Status.plist'),
      encodePlist({ Version: '3.3', UUID: crypto.randomUUID().toUpperCase(), Date: date, BackupState: 'new', SnapshotState: options.snapshotState ?? 'finished', IsFullBackup: true }, 'binary'),
    );
  }
  if (options.sidecar) fs.writeFileSync(path.join(folder, '.lifeboat.json'), JSON.stringify(options.sidecar));
  return { folder, ...(keys ? { keys } : {}), ...(keybag ? { keybag } : {}) };
}

/** A hard-link copy of a backup folder, the way Lifeboat's snapshots share unchanged files. */
export function hardLinkCopy(source: string, target: string): void {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) hardLinkCopy(from, to);
    else fs.linkSync(from, to);
  }
}

/** A few files across domains, with Camera Roll photos under Media/DCIM. */
export function sampleFiles(seed: number): TestFile[] {
  const bytes = (size: number, salt: number): Buffer => Buffer.from(Array.from({ length: size }, (_, index) => (index * 31 + salt * 7 + seed) % 256));
  return [
    { domain: 'HomeDomain', relativePath: 'Library/SMS/sms.db', content: bytes(5000, 1) },
    { domain: 'HomeDomain', relativePath: 'Library/Preferences/empty.plist', content: Buffer.alloc(0) },
    { domain: 'CameraRollDomain', relativePath: 'Media/DCIM/100APPLE/IMG_0001.HEIC', content: bytes(12_000, 2) },
    { domain: 'CameraRollDomain', relativePath: 'Media/DCIM/100APPLE/IMG_0002.MOV', content: bytes(20_016, 3) },
    { domain: 'CameraRollDomain', relativePath: 'Media/PhotoData/Photos.sqlite', content: bytes(4096, 4) },
    { domain: 'AppDomain-com.example.notes', relativePath: 'Documents/note.txt', content: bytes(33, 5) },
  ];
}
