import fs from 'node:fs';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { contentPathFor, fileIdFor } from '../../src/simulator/backup-format/file-id';
import { type ManifestRow, readManifestDb } from '../../src/simulator/backup-format/manifest-db';
import type { Phone } from '../../src/simulator/phone/phone-model';
import { type ToolResult, runTool } from '../helpers/run-tool';
import type { SimHarness } from '../helpers/sim-harness';

/** Phone paths that belong to the host's AFC conversation and never appear in a backup (§4.5). */
export function isAfcControl(relativePath: string): boolean {
  return /^Media\/(iTunes_Control|com\.apple\.itunes\.lock_sync|iTunesRestore)(\/|$)/.test(relativePath);
}

export function backup2(harness: SimHarness, args: readonly string[], timeoutMs = 90_000): Promise<ToolResult> {
  return runTool('idevicebackup2', args, harness.env, timeoutMs);
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
 * The unencrypted backup in `folder` holds exactly the phone: one Manifest.db row per entry with
 * the right flags and metadata, and every regular file's content byte for byte.
 */
export async function expectBackupMatchesPhone(folder: string, phone: Phone): Promise<void> {
  const rows = manifestRows(path.join(folder, 'Manifest.db'));
  let expected = 0;
  for (const entry of phone.entries()) {
    if (isAfcControl(entry.relativePath)) continue;
    expected += 1;
    const fileId = fileIdFor(entry.domain, entry.relativePath);
    const row = rows.get(fileId);
    expect(row, `${entry.domain}/${entry.relativePath} in Manifest.db`).toBeDefined();
    if (!row) continue;
    expect(row.flags).toBe(entry.kind === 'file' ? 1 : entry.kind === 'directory' ? 2 : 4);
    expect([row.file.mode, row.file.mtime, row.file.size]).toEqual([entry.mode, entry.mtime, entry.kind === 'file' ? entry.size : 0]);
    if (entry.kind !== 'file') continue;
    const stored = fs.readFileSync(path.join(folder, contentPathFor(fileId)));
    const actual = await readAll(phone.readContent(entry));
    expect(stored.equals(actual), `content of ${entry.domain}/${entry.relativePath}`).toBe(true);
  }
  expect(rows.size).toBe(expected);
}

/** Every file under `dir` (relative path → bytes), skipping what `skip` names. */
export function snapshotTree(dir: string, skip: (relative: string) => boolean = () => false): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string): void => {
    for (const item of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, item.name);
      const relative = path.relative(dir, full);
      if (skip(relative)) continue;
      if (item.isDirectory()) walk(full);
      else files.set(relative, fs.readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

/** Waits until `condition` holds, polling; for the reboot after a restore. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  await vi.waitFor(() => expect(condition(), 'the virtual iPhone is back').toBe(true), { timeout: timeoutMs, interval: 50 });
}
