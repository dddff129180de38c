import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { slicesOf } from '../../phone/content-cache';
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

/** Manifest.db and Manifest.plist ready to upload; Manifest.db may be read from disk piece by piece. */
export interface BuiltManifest {
  readonly plist: Buffer;
  /** Manifest.db's bytes (encrypted when the backup is) in pieces of at most `size`. */
  dbChunks(size: number): Iterable<Buffer>;
}

/**
 * The last plaintext Manifest.db built for each phone, with the phone version it lists. A second
 * unencrypted backup of an unchanged phone has exactly the same rows, and SQLite lays out the same
 * rows inserted in the same order as the same bytes, so the file is reused instead of rebuilt
 * (50,000 rows cost ~0.4 s). An encrypted backup never uses it: its rows carry fresh file keys.
 * A Manifest.db bigger than KEPT_DB_BYTES (a `huge` phone's is ~400 MB) is not kept: it is
 * rebuilt on disk each time and sent from there.
 */
const lastPlainDb = new WeakMap<object, { readonly version: string; readonly bytes: Buffer }>();
const KEPT_DB_BYTES = 64 * 1024 * 1024;

const FLAGS_BY_KIND: Readonly<Record<PhoneEntry['kind'], ManifestFlags>> = { file: 1, directory: 2, symlink: 4 };

/**
 * Builds the snapshot's Manifest.db (every entry, §5.6), a row at a time as the backup walks the
 * phone, on disk; then Manifest.plist (§5.4). Manifest.db is always rewritten in full, even by an
 * incremental backup (§7.2).
 */
export class ManifestBuilder {
  private readonly writer: ManifestDbWriter | undefined;
  private readonly reused: Buffer | undefined;

  constructor(
    private readonly session: Session,
    private readonly keys: BackupCipher | undefined,
    /** The phone's version() when the walk began, with anything else that changes the rows; undefined: never reuse. */
    private readonly listingKey: string | undefined,
  ) {
    const kept = keys === undefined ? lastPlainDb.get(session.context.phone) : undefined;
    this.reused = kept !== undefined && listingKey !== undefined && kept.version === listingKey ? kept.bytes : undefined;
    this.writer = this.reused === undefined ? new ManifestDbWriter(session.scratchPath('Manifest.db')) : undefined;
  }

  add(record: ManifestRecord): void {
    this.writer?.add({
      fileId: record.fileId,
      domain: record.entry.domain,
      relativePath: record.entry.relativePath,
      flags: FLAGS_BY_KIND[record.entry.kind],
      file: mbFileOf(record),
    });
  }

  /** Completes Manifest.db; `unchanged` says the phone did not change while it was walked (so it may be kept). */
  finish(unchanged: boolean): BuiltManifest {
    const phone = this.session.context.phone;
    let db: Buffer | undefined = this.reused;
    let dbPath: string | undefined;
    if (this.writer !== undefined) {
      this.writer.finish();
      dbPath = this.writer.path;
      if (this.keys !== undefined || statSync(dbPath).size <= KEPT_DB_BYTES) db = readFileSync(dbPath);
      if (this.keys === undefined) {
        if (db !== undefined && unchanged && this.listingKey !== undefined) lastPlainDb.set(phone, { version: this.listingKey, bytes: db });
        else lastPlainDb.delete(phone);
      }
    }
    let manifestKey: Buffer | undefined;
    if (this.keys && db !== undefined) {
      const sealed = this.keys.sealManifestDb(db);
      manifestKey = sealed.manifestKey;
      db = sealed.ciphertext;
    }
    const plist = buildManifestPlist({
      date: new Date(),
      isEncrypted: this.keys !== undefined,
      ...(this.keys ? { backupKeyBag: this.keys.keybag, manifestKey } : { backupKeyBag: sealedKeybagOf(phone) }),
      wasPasscodeSet: false,
      lockdown: this.session.context.lockdownSnapshot(),
      applications: applicationsOf(this.session.context),
    });
    const bytes = db;
    const path = dbPath;
    return { plist, dbChunks: (size) => (bytes !== undefined ? slicesOf(bytes, size) : fileChunks(path as string, size)) };
  }

  /** Gives up on a run that failed: the partial file goes. */
  abort(): void {
    this.writer?.abort();
  }
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

/** A file's bytes read `size` at a time (Manifest.db too big to hold). */
function* fileChunks(path: string, size: number): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(size);
      const read = readSync(fd, chunk, 0, size, null);
      if (read === 0) return;
      yield chunk.subarray(0, read);
    }
  } finally {
    closeSync(fd);
  }
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
