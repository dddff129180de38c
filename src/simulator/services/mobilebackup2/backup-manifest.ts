import { readFileSync } from 'node:fs';
import type { PlistDict } from '../../../main/device/codec';
import { buildManifestPlist } from '../../backup-format/backup-plists';
import { createSealedBackupKeybag } from '../../backup-format/keybag';
import { type ManifestFlags, ManifestDbWriter } from '../../backup-format/manifest-db';
import type { MbFileInfo } from '../../backup-format/mbfile';
import type { ServiceContext } from '../../device/service-context';
import type { PhoneEntry } from '../../phone/phone-model';
import type { BackupCipher } from '../../backup-format/encryption';
import type { Session } from './session';

/** One Manifest.db row to be: a phone entry and, for encrypted regular files, its EncryptionKey. */
export interface ManifestRecord {
  readonly entry: PhoneEntry;
  readonly fileId: string;
  readonly encryptionKey?: Buffer;
}

export interface BuiltManifest {
  /** Manifest.db ready to upload (encrypted when the backup is). */
  readonly db: Buffer;
  readonly plist: Buffer;
}

/**
 * The last plaintext Manifest.db built for each phone, with the phone version it lists. A second
 * unencrypted backup of an unchanged phone has exactly the same rows, and SQLite lays out the same
 * rows inserted in the same order as the same bytes, so the file is reused instead of rebuilt
 * (50,000 rows cost ~0.4 s). An encrypted backup never uses it: its rows carry fresh file keys.
 */
const lastPlainDb = new WeakMap<object, { readonly version: string; readonly bytes: Buffer }>();

const FLAGS_BY_KIND: Readonly<Record<PhoneEntry['kind'], ManifestFlags>> = { file: 1, directory: 2, symlink: 4 };

/**
 * Writes the snapshot's Manifest.db (every entry, §5.6) and Manifest.plist (§5.4). Manifest.db is
 * always rewritten in full, even by an incremental backup (§7.2).
 */
export function buildBackupManifest(
  session: Session,
  records: Iterable<ManifestRecord>,
  keys: BackupCipher | undefined,
  phoneVersion?: string,
): BuiltManifest {
  const phone = session.context.phone;
  const reusable = keys === undefined ? lastPlainDb.get(phone) : undefined;
  let db: Buffer;
  if (reusable !== undefined && phoneVersion !== undefined && reusable.version === phoneVersion) {
    db = reusable.bytes;
  } else {
    db = writeManifestDb(session.scratchPath('Manifest.db'), records);
    if (keys === undefined && phoneVersion !== undefined) lastPlainDb.set(phone, { version: phoneVersion, bytes: db });
  }

  let manifestKey: Buffer | undefined;
  if (keys) {
    const sealed = keys.sealManifestDb(db);
    manifestKey = sealed.manifestKey;
    db = sealed.ciphertext;
  }
  const plist = buildManifestPlist({
    date: new Date(),
    isEncrypted: keys !== undefined,
    ...(keys ? { backupKeyBag: keys.keybag, manifestKey } : { backupKeyBag: sealedKeybagOf(phone) }),
    wasPasscodeSet: false,
    lockdown: session.context.lockdownSnapshot(),
    applications: applicationsOf(session.context),
  });
  return { db, plist };
}

/** One keybag per phone for its unencrypted backups, like the phone's own backup keybag. */
const sealedKeybags = new WeakMap<object, Buffer>();

function sealedKeybagOf(phone: object): Buffer {
  let keybag = sealedKeybags.get(phone);
  if (keybag === undefined) {
    keybag = createSealedBackupKeybag();
    sealedKeybags.set(phone, keybag);
  }
  return keybag;
}

/** Builds Manifest.db at `dbPath` and returns its bytes. */
function writeManifestDb(dbPath: string, records: Iterable<ManifestRecord>): Buffer {
  const writer = new ManifestDbWriter(dbPath);
  try {
    for (const record of records) {
      writer.add({
        fileId: record.fileId,
        domain: record.entry.domain,
        relativePath: record.entry.relativePath,
        flags: FLAGS_BY_KIND[record.entry.kind],
        file: mbFileOf(record),
      });
    }
    writer.finish();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return readFileSync(dbPath);
}

function mbFileOf(record: ManifestRecord): MbFileInfo {
  const { entry } = record;
  return {
    relativePath: entry.relativePath,
    mode: entry.mode,
    inode: entry.inode,
    uid: entry.uid,
    gid: entry.gid,
    mtime: entry.mtime,
    ctime: entry.ctime,
    birth: entry.birth,
    size: entry.kind === 'file' ? entry.size : 0,
    protectionClass: entry.protectionClass,
    ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
    ...(record.encryptionKey ? { encryptionKey: record.encryptionKey } : {}),
  };
}

/** Manifest.plist `Applications`: the user apps with their containers (§5.4). */
function applicationsOf(context: ServiceContext): PlistDict {
  const applications: Record<string, PlistDict> = {};
  for (const app of context.phone.apps()) {
    applications[app.bundleId] = {
      CFBundleIdentifier: app.bundleId,
      CFBundleVersion: app.version,
      ContainerContentClass: 'Data/Application',
      Path: app.bundlePath,
    };
  }
  return applications;
}
