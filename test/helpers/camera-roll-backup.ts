import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ManifestDbWriter } from '../../src/simulator/backup-format/manifest-db';

/** A backup's fileID for a path: SHA-1 of `domain-relativePath` (protocol.md §5.8). */
export const fileIdOf = (domain: string, relativePath: string): string => crypto.createHash('sha1').update(`${domain}-${relativePath}`).digest('hex');

/**
 * A plaintext Manifest.db backup holding these files in `Media/DCIM/100APPLE` of CameraRollDomain
 * (and their folders): the smallest backup the files view and the library's Photos can open.
 */
export function writeCameraRollBackup(folder: string, files: ReadonlyArray<{ readonly name: string; readonly content: Buffer }>): void {
  fs.mkdirSync(folder, { recursive: true });
  const writer = new ManifestDbWriter(path.join(folder, 'Manifest.db'));
  const meta = { uid: 501, gid: 501, mtime: 1_700_000_000, ctime: 1_700_000_000, birth: 1_700_000_000, protectionClass: 3 };
  let inode = 1;
  for (const directory of ['Media', 'Media/DCIM', 'Media/DCIM/100APPLE']) {
    writer.add({ fileId: fileIdOf('CameraRollDomain', directory), domain: 'CameraRollDomain', relativePath: directory, flags: 2, file: { ...meta, relativePath: directory, mode: 0o40755, inode: inode++, size: 0 } });
  }
  for (const { name, content } of files) {
    const relativePath = `Media/DCIM/100APPLE/${name}`;
    const fileId = fileIdOf('CameraRollDomain', relativePath);
    writer.add({ fileId, domain: 'CameraRollDomain', relativePath, flags: 1, file: { ...meta, relativePath, mode: 0o100644, inode: inode++, size: content.length } });
    fs.mkdirSync(path.join(folder, fileId.slice(0, 2)), { recursive: true });
    fs.writeFileSync(path.join(folder, fileId.slice(0, 2), fileId), content);
  }
  writer.finish();
}
