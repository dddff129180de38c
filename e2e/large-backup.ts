import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ManifestDbWriter } from '../src/simulator/backup-format/manifest-db';

/** sha1-shaped, unique, and cheap: the browser only needs distinct fileIDs here. */
const fakeFileId = (index: number): string => index.toString(16).padStart(40, '0');

/**
 * A backup "made elsewhere" whose HomeDomain/Library/Big folder holds `rows` empty files: the
 * metadata plists are copied from a real backup, Manifest.db is generated. For checking that the
 * browser's list renders only a window of a huge folder.
 */
export function writeLargeBackup(fromBackup: string, folder: string, rows: number): void {
  fs.mkdirSync(folder, { recursive: true });
  for (const name of ['Info.plist', 'Manifest.plist', 'Status.plist']) fs.copyFileSync(path.join(fromBackup, name), path.join(folder, name));
  const writer = new ManifestDbWriter(path.join(folder, 'Manifest.db'));
  const mtime = 1_700_000_000;
  const meta = { uid: 501, gid: 501, mtime, ctime: mtime, birth: mtime, size: 0, protectionClass: 3 };
  writer.add({ fileId: fakeFileId(1), domain: 'HomeDomain', relativePath: 'Library', flags: 2, file: { ...meta, relativePath: 'Library', mode: 0o40755, inode: 1 } });
  writer.add({ fileId: fakeFileId(2), domain: 'HomeDomain', relativePath: 'Library/Big', flags: 2, file: { ...meta, relativePath: 'Library/Big', mode: 0o40755, inode: 2 } });
  writer.finish();
  // The bulk rows carry an empty file record (size 0, no date): encoding 500 000 real ones takes
  // ~20 s and 350 MB, and the list only needs names and kinds. SQLite makes them itself in one
  // statement (a counting CTE): 500 000 inserts called from JavaScript took ~9 s under load.
  const db = new Database(path.join(folder, 'Manifest.db'));
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO Files (fileID, domain, relativePath, flags, file)
       SELECT printf('%040x', i + 3), 'HomeDomain', printf('Library/Big/file-%06d.txt', i), 1, X'' FROM n`,
    ).run(rows);
  } finally {
    db.close();
  }
}
