import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/main/backup/catalog';
import { createUntrustedBackupReader, type UntrustedBackupReader } from '../../src/main/backup/reader';
import { NOTE, writeEndlessViewBackup, writeGoodBackup, writeTraversalBackup } from './hostile-backups';

/**
 * The app reads backup folders on a worker thread with a deadline (issue 13): a folder whose
 * reads never end (here an Info.plist that is a FIFO nobody writes to: a plain read of it waits
 * forever) is stopped at the deadline and listed as damaged, the main thread keeps running
 * meanwhile, cancel ends a read at once, and the good backups beside it are still listed.
 */

const DEADLINE_MS = 6000;
let work: string;
let reader: UntrustedBackupReader;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-reader-'));
  reader = createUntrustedBackupReader({ deadlineMs: DEADLINE_MS, longDeadlineMs: DEADLINE_MS });
});
afterAll(async () => {
  await reader.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** A backup whose Info.plist is a FIFO: reading it blocks until someone writes, and nobody will. */
async function writeBlockingBackup(folder: string, udid: string): Promise<void> {
  await writeGoodBackup(folder, udid);
  fs.rmSync(path.join(folder, 'Info.plist'));
  execFileSync('mkfifo', [path.join(folder, 'Info.plist')]);
}

describe.skipIf(process.platform === 'win32')('the untrusted backup reader', () => {
  it('lists a folder that hangs its reader as damaged at the deadline, beside the good and the endless-view ones, without blocking the main thread', async () => {
    const root = path.join(work, 'root');
    await writeGoodBackup(path.join(root, 'good-udid'), 'good-udid');
    await writeEndlessViewBackup(path.join(root, 'endless-udid'), 'endless-udid');
    await writeBlockingBackup(path.join(root, 'blocking-udid'), 'blocking-udid');
    const catalog = openCatalog(root, { inspect: (folder, options) => reader.inspect(folder, options) });
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 100);
    const started = Date.now();
    try {
      await catalog.refresh();
      const elapsed = Date.now() - started;
      const byUdid = new Map(catalog.list().map((record) => [record.path.split(path.sep).pop(), record]));
      expect(byUdid.get('good-udid')?.status).toBe('complete');
      expect(byUdid.get('endless-udid')?.status).toBe('damaged');
      expect(byUdid.get('endless-udid')?.problems.map((problem) => problem.message).join(' ')).toMatch(/holds a view/);
      const blocking = byUdid.get('blocking-udid');
      expect(blocking?.status).toBe('damaged');
      expect(blocking?.problems.map((problem) => problem.message).join(' ')).toMatch(/took longer than|not a regular file/);
      expect(elapsed).toBeLessThan(DEADLINE_MS * 4);
      // The main thread went on running while the worker was stuck.
      expect(ticks).toBeGreaterThan((DEADLINE_MS / 100) * 0.5);
    } finally {
      clearInterval(ticker);
      catalog.close();
    }
  });

  it('cancels a read that would never end, and the next call works on a fresh thread', async () => {
    const blocking = path.join(work, 'cancel', 'blocking-udid');
    await writeBlockingBackup(blocking, 'blocking-udid');
    const controller = new AbortController();
    const opening = reader.open(blocking, undefined, controller.signal);
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(opening).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);

    const good = path.join(work, 'cancel', 'good-udid');
    await writeGoodBackup(good, 'good-udid');
    const opened = await reader.open(good);
    const { entries, total } = await reader.list(opened.handle, NOTE.domain, 'Documents', { offset: 0, limit: 10 });
    expect(total).toBe(1);
    expect(entries.map((entry) => entry.relativePath)).toEqual([NOTE.relativePath]);
    expect(entries[0]).not.toHaveProperty('encryptionKey');
    expect((await reader.readFile(opened.handle, NOTE, 1024))?.length).toBe(NOTE.size);
    await reader.closeBackup(opened.handle);
  });

  it('brings the confinement check along: a traversing fileID fails the extraction with a sentence', async () => {
    const folder = path.join(work, 'traversal', 'udid');
    await writeTraversalBackup(folder, 'udid', '../../../../etc/passwd');
    const opened = await reader.open(folder);
    const to = path.join(work, 'traversal-out');
    await expect(reader.extract(opened.handle, { domain: NOTE.domain, relativePath: '' }, to)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/not a file ID/) });
    expect(fs.existsSync(path.join(to, NOTE.domain, NOTE.relativePath))).toBe(false);
    await reader.closeBackup(opened.handle);
  });
});
