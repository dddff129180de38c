import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { contentPathFor, fileIdFor } from '../../src/simulator/backup-format/file-id';
import { type ManifestRow, readManifestDb } from '../../src/simulator/backup-format/manifest-db';
import type { Phone } from '../../src/simulator/phone/phone-model';
import { isSyncHousekeeping } from '../../src/simulator/phone/phone-compare';
import { runTool } from '../helpers/run-tool';
import type { SimHarness } from '../helpers/sim-harness';

/** Phone paths of the host's own AFC conversation; never in a backup (§4.5). */
export function isAfcControl(relativePath: string): boolean {
  return /^Media\/(iTunes_Control|com\.apple\.itunes\.lock_sync|iTunesRestore)(\/|$)/.test(relativePath);
}

export async function pairWithTool(harness: SimHarness): Promise<void> {
  const result = await runTool('idevicepair', ['pair'], harness.env);
  expect(result.code, result.stdout + result.stderr).toBe(0);
}

export function manifestRows(dbPath: string): Map<string, ManifestRow> {
  return new Map([...readManifestDb(dbPath)].map((row) => [row.fileId, row]));
}

async function readAll(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * The unencrypted backup in `folder` holds exactly the phone (minus what `exclude` names): one
 * Manifest.db row per entry, every regular file's content equal to `xx/<fileId>`, no stray content files.
 */
export async function expectBackupMatchesPhone(folder: string, phone: Phone, exclude: (domain: string, relativePath: string) => boolean = () => false): Promise<void> {
  const rows = manifestRows(path.join(folder, 'Manifest.db'));
  const expectedIds = new Set<string>();
  let expected = 0;
  for (const entry of phone.entries()) {
    if (isAfcControl(entry.relativePath) || exclude(entry.domain, entry.relativePath)) continue;
    expected += 1;
    const fileId = fileIdFor(entry.domain, entry.relativePath);
    const row = rows.get(fileId);
    expect(row, `${entry.domain}/${entry.relativePath} in Manifest.db`).toBeDefined();
    if (!row || entry.kind !== 'file') continue;
    expectedIds.add(fileId);
    const stored = fs.readFileSync(path.join(folder, contentPathFor(fileId)));
    expect(stored.equals(await readAll(phone.readContent(entry))), `content of ${entry.domain}/${entry.relativePath}`).toBe(true);
  }
  expect(rows.size).toBe(expected);
  const contentFiles = listContentFiles(folder);
  expect(contentFiles.filter((id) => !expectedIds.has(id))).toEqual([]);
}

/** The fileIDs stored under `xx/` of a backup folder. */
export function listContentFiles(folder: string): string[] {
  const ids: string[] = [];
  for (const dir of fs.readdirSync(folder)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const name of fs.readdirSync(path.join(folder, dir))) ids.push(name);
  }
  return ids.sort();
}

/** Path → SHA-256 (and symlink targets) of everything under `dir`: two equal maps mean byte-identical trees. */
export function hashTree(dir: string): Map<string, string> {
  const result = new Map<string, string>();
  if (!fs.existsSync(dir)) return result;
  const walk = (current: string): void => {
    for (const item of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, item.name);
      const relative = path.relative(dir, full);
      if (item.isDirectory()) {
        result.set(`${relative}/`, 'dir');
        walk(full);
      } else if (item.isSymbolicLink()) {
        result.set(relative, `link:${fs.readlinkSync(full)}`);
      } else {
        result.set(relative, crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
      }
    }
  };
  walk(dir);
  return result;
}

export { isSyncHousekeeping };
