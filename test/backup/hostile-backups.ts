import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodePlist, encodePlist, isPlistDict, PLIST_BUDGETS } from '../../src/main/device/codec';
import { billionLaughsBplist } from '../../src/main/device/codec/test-support/hostile-plists';
import { fileIdOf, sampleFiles, writeTestBackup } from './backup-builder';

/**
 * Backup folders built to attack the computer that reads them (issue 13, attack review findings 2
 * and 3): each starts as a good test backup whose Manifest.db or content files are then altered
 * the way an attacker with write access to the folder (a shared drive, a downloaded "backup")
 * would.
 */

/** The file whose row the attacks change: 33 bytes in AppDomain-com.example.notes. */
export const NOTE = { domain: 'AppDomain-com.example.notes', relativePath: 'Documents/note.txt', size: 33 } as const;

export async function writeGoodBackup(folder: string, udid: string): Promise<void> {
  await writeTestBackup(folder, { udid, files: sampleFiles(1) });
}

/** Runs `sql` on the folder's Manifest.db in place (the builder writes it plaintext). */
export function alterManifest(folder: string, sql: string): void {
  const db = new Database(path.join(folder, 'Manifest.db'));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** `Files` becomes a VIEW over an endless recursive query: any read of it never ends. */
export async function writeEndlessViewBackup(folder: string, udid: string): Promise<void> {
  await writeGoodBackup(folder, udid);
  alterManifest(folder, `ALTER TABLE Files RENAME TO RealFiles;
    CREATE VIEW Files AS WITH RECURSIVE forever(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM forever)
    SELECT printf('%040x', n) AS fileID, 'HomeDomain' AS domain, 'x' AS relativePath, 1 AS flags, NULL AS file FROM forever;`);
}

/** A trigger that would run on the Camera Roll rewrite's DELETE. */
export async function writeTriggerBackup(folder: string, udid: string): Promise<void> {
  await writeGoodBackup(folder, udid);
  alterManifest(folder, `CREATE TABLE Fired (at TEXT);
    CREATE TRIGGER on_delete AFTER DELETE ON Files BEGIN INSERT INTO Fired VALUES ('fired'); END;`);
}

/** The note's row names `../secret/id_rsa` as its fileID: `xx/<fileID>` becomes `../../secret/id_rsa`. */
export async function writeTraversalBackup(folder: string, udid: string, fileId: string): Promise<void> {
  await writeGoodBackup(folder, udid);
  const noteId = fileIdOf(NOTE.domain, NOTE.relativePath);
  alterManifest(folder, `UPDATE Files SET fileID = '${fileId.replaceAll("'", "''")}' WHERE fileID = '${noteId}';`);
}

/** The note's content file is a symbolic link to `target` (e.g. /dev/zero). */
export async function writeLinkedContentBackup(folder: string, udid: string, target: string): Promise<void> {
  await writeGoodBackup(folder, udid);
  const noteId = fileIdOf(NOTE.domain, NOTE.relativePath);
  const contentFile = path.join(folder, noteId.slice(0, 2), noteId);
  fs.rmSync(contentFile);
  fs.symlinkSync(target, contentFile);
}

/** The note's content file holds `bytes` bytes while its row records 33. */
export async function writeOversizedContentBackup(folder: string, udid: string, bytes: number): Promise<void> {
  await writeGoodBackup(folder, udid);
  const noteId = fileIdOf(NOTE.domain, NOTE.relativePath);
  fs.writeFileSync(path.join(folder, noteId.slice(0, 2), noteId), Buffer.alloc(bytes, 0x41));
}

/** Manifest.db is a FIFO nobody writes to: a plain read of it waits forever. */
export async function writeFifoManifestBackup(folder: string, udid: string): Promise<void> {
  await writeGoodBackup(folder, udid);
  fs.rmSync(path.join(folder, 'Manifest.db'));
  execFileSync('mkfifo', [path.join(folder, 'Manifest.db')]);
}

/**
 * An encrypted backup (password `password`) whose key bag asks for `rounds` SHA-256 rounds
 * (protocol.md §6.2: DPIC); by default the 10 million of a real iOS 10.2+ backup, seconds of key
 * derivation before any answer.
 * Only DPIC is changed, so the password no longer opens it: for tests that cancel the unlock.
 */
export async function writeRealRoundsEncryptedBackup(folder: string, udid: string, password: string, rounds = 10_000_000): Promise<void> {
  await writeTestBackup(folder, { udid, files: sampleFiles(3), password });
  const manifestFile = path.join(folder, 'Manifest.plist');
  const manifest = decodePlist(fs.readFileSync(manifestFile), PLIST_BUDGETS.metadataFile);
  if (!isPlistDict(manifest) || !Buffer.isBuffer(manifest.BackupKeyBag)) throw new Error('the test backup has no key bag');
  const keybag = Buffer.from(manifest.BackupKeyBag);
  // TLV: 4-byte tag, 4-byte length, then the 4-byte value.
  keybag.writeUInt32BE(rounds, keybag.indexOf(Buffer.from('DPIC', 'latin1')) + 8);
  fs.writeFileSync(manifestFile, encodePlist({ ...manifest, BackupKeyBag: keybag }, 'binary'));
}

/** The folders of writeHostileRoot, by what they are. */
export const HOSTILE_ROOT = {
  good: 'good-udid',
  laughs: 'laughs-udid',
  endless: 'endless-udid',
  traversal: 'traversal-udid',
  rounds: 'rounds-udid',
} as const;

/**
 * A backup root (issue 13's "done when") holding a good backup beside one hostile folder of each
 * kind, each named by its HOSTILE_ROOT UDID: a billion-laughs Info.plist, an endless-view
 * Manifest.db, a fileID that climbs to /etc/passwd, and a key bag asking for 2^31 - 1 rounds
 * (password `secret`). Callers add folders of their own beside them.
 */
export async function writeHostileRoot(root: string): Promise<void> {
  await writeGoodBackup(path.join(root, HOSTILE_ROOT.good), HOSTILE_ROOT.good);
  await writeGoodBackup(path.join(root, HOSTILE_ROOT.laughs), HOSTILE_ROOT.laughs);
  fs.writeFileSync(path.join(root, HOSTILE_ROOT.laughs, 'Info.plist'), billionLaughsBplist(40));
  await writeEndlessViewBackup(path.join(root, HOSTILE_ROOT.endless), HOSTILE_ROOT.endless);
  await writeTraversalBackup(path.join(root, HOSTILE_ROOT.traversal), HOSTILE_ROOT.traversal, '../../../../etc/passwd');
  await writeRealRoundsEncryptedBackup(path.join(root, HOSTILE_ROOT.rounds), HOSTILE_ROOT.rounds, 'secret', 2 ** 31 - 1);
}
