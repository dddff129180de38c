import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/main/backup/catalog';
import { createUntrustedBackupReader, type UntrustedBackupReader } from '../../src/main/reader';
import { NOTE, writeEndlessViewBackup, writeGoodBackup, writeRealRoundsEncryptedBackup, writeTraversalBackup } from './hostile-backups';
import { startThreadsFromSources } from '../helpers/thread-sources';

// The reader's thread from its TypeScript source, the way tsx runs it (the other files use the run's bundles).
startThreadsFromSources();

/**
 * The app reads backup folders on a worker thread with a deadline (issue 13): a call that takes
 * too long (here unlocking a real key bag, seconds of PBKDF2) is stopped at the deadline with a
 * sentence while the main thread keeps running, cancel ends a read at once, and a hostile folder
 * (an Info.plist that is a FIFO, an endless VIEW) is listed as damaged beside the good ones.
 */

/** Generous: nothing here should reach it but the hurried reader's call; the machine may be busy. */
const DEADLINE_MS = 30_000;
let work: string;
let reader: UntrustedBackupReader;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-reader-'));
  reader = createUntrustedBackupReader({ deadlineMs: DEADLINE_MS, longDeadlineMs: DEADLINE_MS, startDeadlineMs: 60_000 });
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
  it('lists a folder with a FIFO for Info.plist as damaged, beside the good and the endless-view ones', async () => {
    const root = path.join(work, 'root');
    await writeGoodBackup(path.join(root, 'good-udid'), 'good-udid');
    await writeEndlessViewBackup(path.join(root, 'endless-udid'), 'endless-udid');
    await writeBlockingBackup(path.join(root, 'blocking-udid'), 'blocking-udid');
    const catalog = openCatalog(root, { inspect: (folder, options) => reader.inspect(folder, options) });
    const started = Date.now();
    try {
      await catalog.refresh();
      const byUdid = new Map(catalog.list().map((record) => [record.path.split(path.sep).pop(), record]));
      expect(byUdid.get('good-udid')?.status).toBe('complete');
      expect(byUdid.get('endless-udid')?.status).toBe('damaged');
      expect(byUdid.get('endless-udid')?.problems.map((problem) => problem.message).join(' ')).toMatch(/holds a view/);
      const blocking = byUdid.get('blocking-udid');
      expect(blocking?.status).toBe('damaged');
      // Refused by its file type before any read (store/backup-content.ts), not waited on until the deadline.
      expect(blocking?.problems.map((problem) => problem.message).join(' ')).toMatch(/Info\.plist cannot be read \(Info\.plist is not a regular file\)/);
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS * 4);
    } finally {
      catalog.close();
    }
  });

  it('stops a call that passes its deadline with a sentence, while the main thread keeps running', async () => {
    const slow = path.join(work, 'deadline', 'slow-udid');
    await writeRealRoundsEncryptedBackup(slow, 'slow-udid', 'secret');
    const hurried = createUntrustedBackupReader({ deadlineMs: 300, longDeadlineMs: 300, startDeadlineMs: 60_000 });
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 20);
    try {
      // The thread may take longer than 300 ms to load; the deadline starts when it begins the call.
      await expect(hurried.open(slow, 'secret')).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/took longer than \d+ seconds and was stopped/) });
      // 300 ms at least on a 20 ms ticker: the main thread was not blocked by the derivation.
      expect(ticks).toBeGreaterThanOrEqual(5);
    } finally {
      clearInterval(ticker);
      await hurried.close();
    }
  });

  it('cancels a long read (unlocking a real key bag: seconds of key derivation), and the next call works on a fresh thread', async () => {
    // A FIFO no longer blocks a read (it is refused as not a regular file), so the long read here is
    // the 10 million PBKDF2 rounds of a real encrypted backup's key bag, on the reader's thread.
    const slow = path.join(work, 'cancel', 'slow-udid');
    await writeRealRoundsEncryptedBackup(slow, 'slow-udid', 'secret');
    const controller = new AbortController();
    const opening = reader.open(slow, 'secret', controller.signal);
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
