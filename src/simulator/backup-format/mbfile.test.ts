import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PlistUid, decodePlist, isPlistDict } from '../../main/device/codec';
import { BackupFormatError } from './errors';
import { type MbFileInfo, decodeMbFile, encodeMbFile } from './mbfile';
import { privateFixtureCopy } from './test-support/fixture-copy';

// Opened from a private copy (test-support/fixture-copy.ts says why).
const MVT_MANIFEST_DB = privateFixtureCopy(new URL('../../../../shared/fixtures/mvt-ios-backup/Manifest.db', import.meta.url).pathname);

const regularFile: MbFileInfo = {
  relativePath: 'Media/DCIM/100APPLE/IMG_0034.PNG',
  mode: 0o100644,
  inode: 290474,
  uid: 501,
  gid: 501,
  mtime: 1617115200,
  ctime: 1617115201,
  birth: 1617115199,
  size: 1407796,
  protectionClass: 3,
  flags: 0,
  encryptionKey: Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.alloc(40, 0xab)]),
  digest: Buffer.alloc(20, 0x11),
  extendedAttributes: Buffer.from('bplist00-ish opaque bytes'),
};

describe('encodeMbFile (protocol.md §5.6)', () => {
  it('writes the NSKeyedArchiver layout of a real MBFile row', () => {
    const archive = decodePlist(encodeMbFile(regularFile));
    if (!isPlistDict(archive)) throw new Error('not a dict');
    expect(archive.$version).toBe(100000);
    expect(archive.$archiver).toBe('NSKeyedArchiver');
    expect(archive.$top).toEqual({ root: new PlistUid(1) });
    const objects = archive.$objects as readonly unknown[];
    expect(objects[0]).toBe('$null');
    const file = objects[1] as Record<string, unknown>;
    expect(objects[(file.RelativePath as PlistUid).value]).toBe(regularFile.relativePath);
    expect(objects[(file.$class as PlistUid).value]).toEqual({ $classname: 'MBFile', $classes: ['MBFile', 'NSObject'] });
    const key = objects[(file.EncryptionKey as PlistUid).value] as Record<string, unknown>;
    expect(key['NS.data']).toEqual(regularFile.encryptionKey);
    expect(objects[(key.$class as PlistUid).value]).toEqual({
      $classname: 'NSMutableData',
      $classes: ['NSMutableData', 'NSData', 'NSObject'],
    });
    expect(file).toMatchObject({ Mode: 0o100644, InodeNumber: 290474, Size: 1407796, ProtectionClass: 3, Flags: 0 });
  });

  it('round-trips regular files, directories and symlinks', () => {
    const directory: MbFileInfo = { ...base('Library'), mode: 0o40755 };
    const symlink: MbFileInfo = { ...base('Library/link'), mode: 0o120755, linkTarget: '/var/mobile/Library/x' };
    for (const info of [regularFile, directory, symlink]) {
      expect(decodeMbFile(encodeMbFile(info))).toEqual({ flags: 0, ...info });
    }
  });

  it('keeps large and non-ASCII values', () => {
    const info: MbFileInfo = { ...base('Média/日本/ß.txt'), size: 2 ** 40 + 7, inode: 2 ** 35 };
    expect(decodeMbFile(encodeMbFile(info))).toEqual({ flags: 0, ...info });
  });

  it('refuses non-integer fields with a clear error', () => {
    expect(() => encodeMbFile({ ...base('x'), size: 1.5 })).toThrow(/integers/);
  });
});

describe('decodeMbFile', () => {
  it('decodes every row of the real iOS 14 mvt Manifest.db', () => {
    const db = new Database(MVT_MANIFEST_DB, { readonly: true });
    try {
      const rows = db.prepare('SELECT fileID, relativePath, flags, file FROM Files').all() as {
        fileID: string;
        relativePath: string;
        flags: number;
        file: Buffer;
      }[];
      expect(rows).toHaveLength(3721);
      const byId = new Map<string, MbFileInfo>();
      for (const row of rows) {
        const info = decodeMbFile(row.file);
        expect(info.relativePath).toBe(row.relativePath);
        const type = info.mode & 0o170000;
        expect(type).toBe(row.flags === 1 ? 0o100000 : row.flags === 2 ? 0o040000 : 0o120000);
        if (row.flags === 4) expect(info.linkTarget).toBeTruthy();
        byId.set(row.fileID, info);
      }
      // A directory and a symlink checked by hand against the fixture.
      expect(byId.get('865e565f7ee3b2842ce05bf30d5cbc3d68352edd')).toMatchObject({
        relativePath: '',
        mode: 16877,
        inode: 184673,
        uid: 501,
        gid: 501,
        mtime: 1610674669,
        size: 0,
        protectionClass: 0,
        flags: 0,
      });
      const png = [...byId.values()].find((info) => info.relativePath === 'Media/DCIM/100APPLE/IMG_0034.PNG');
      expect(png).toMatchObject({ mode: 33188, size: 1407796, protectionClass: 3, inode: 290474, uid: 501, gid: 0 });
      expect(png?.encryptionKey).toHaveLength(44);
      expect(png?.encryptionKey?.readUInt32LE(0)).toBe(3);
      expect(png?.extendedAttributes?.subarray(0, 8).toString('latin1')).toBe('bplist00');
    } finally {
      db.close();
    }
  });

  it('re-encodes real rows to an archive that decodes to the same values', () => {
    const db = new Database(MVT_MANIFEST_DB, { readonly: true });
    try {
      for (const row of db.prepare('SELECT file FROM Files LIMIT 300').all() as { file: Buffer }[]) {
        const info = decodeMbFile(row.file);
        expect(decodeMbFile(encodeMbFile(info))).toEqual(info);
      }
    } finally {
      db.close();
    }
  });

  it('throws a BackupFormatError on garbage', () => {
    expect(() => decodeMbFile(Buffer.from('not a plist'))).toThrow(BackupFormatError);
    expect(() => decodeMbFile(Buffer.alloc(0))).toThrow(BackupFormatError);
  });
});

function base(relativePath: string): MbFileInfo {
  return {
    relativePath,
    mode: 0o100644,
    inode: 42,
    uid: 501,
    gid: 501,
    mtime: 1_700_000_000,
    ctime: 1_700_000_001,
    birth: 1_600_000_000,
    size: 0,
    protectionClass: 4,
  };
}
