import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { ConfinedPaths } from '../../src/main/backup/store';
import { SmallLocalFile } from '../../src/main/device/services';
import { DownloadBatch } from '../../src/main/restore/download-batch';

const UDID = '00008030-000A1B2C3D4E5F60';

/** What the stream would send of it: a small file handed over open is read up to its size and closed, as sendFilesToDevice does. */
async function contentOf(batch: DownloadBatch, devicePath: string): Promise<Buffer> {
  const content = await batch.content(devicePath);
  if (content instanceof SmallLocalFile) {
    try {
      const bytes = Buffer.alloc(content.size);
      return bytes.subarray(0, fs.readSync(content.fd, bytes, 0, content.size, 0));
    } finally {
      fs.closeSync(content.fd);
    }
  }
  const parts: Buffer[] = [];
  for await (const piece of content) parts.push(Buffer.from(piece));
  return Buffer.concat(parts);
}

/** The files of one DownloadFiles request, read ahead (small ones) or streamed (big ones), as the phone must receive them (§3.6.1). */
describe('DownloadBatch', () => {
  let work: string;
  let folder: string;
  const written = new Map<string, Buffer>();

  const put = (name: string, content: Buffer): string => {
    const devicePath = `${UDID}/${name.slice(0, 2)}/${name}`;
    fs.mkdirSync(path.join(folder, name.slice(0, 2)), { recursive: true });
    fs.writeFileSync(path.join(folder, name.slice(0, 2), name), content);
    written.set(devicePath, content);
    return devicePath;
  };
  const idOf = (index: number): string => `ab${index.toString(16).padStart(38, '0')}`;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-download-batch-'));
    folder = path.join(work, UDID);
    fs.mkdirSync(folder);
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('hands out every file whole and in full: small ones read ahead, those past the read-ahead and big ones streamed, a missing one as its error', async () => {
    // 200 files of 60 KiB pass the 8 MiB read-ahead, so the later ones take the streaming way.
    const smalls = Array.from({ length: 200 }, (_, index) => put(idOf(index), Buffer.alloc(60 * 1024, index % 251)));
    const empty = put(idOf(1000), Buffer.alloc(0));
    const big = put(idOf(1001), Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, index) => (index * 7) % 256)));
    const missing = `${UDID}/${idOf(1002).slice(0, 2)}/${idOf(1002)}`;
    // The same path twice in one request is sent twice, as a phone asking so would expect.
    const all = [...smalls, empty, big, missing, smalls[0] as string];
    const batch = await DownloadBatch.prepare(all, new ConfinedPaths(UDID, folder), () => undefined);
    expect(batch.bytes).toBe(201 * 60 * 1024 + 3 * 1024 * 1024);
    for (const devicePath of [...smalls, empty, big, smalls[0] as string]) expect((await contentOf(batch, devicePath)).equals(written.get(devicePath) as Buffer), devicePath).toBe(true);
    await expect(contentOf(batch, missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('sends no more of a file than the size its row records, small or big', async () => {
    const small = put(idOf(2000), Buffer.alloc(5000, 1));
    const big = put(idOf(2001), Buffer.alloc(2 * 1024 * 1024, 2));
    const batch = await DownloadBatch.prepare([small, big], new ConfinedPaths(UDID, folder), (devicePath) => (devicePath === small ? 100 : 1024 * 1024 + 1));
    expect(batch.bytes).toBe(100 + 1024 * 1024 + 1);
    expect((await contentOf(batch, small)).length).toBe(100);
    expect((await contentOf(batch, big)).length).toBe(1024 * 1024 + 1);
  });

  it.skipIf(process.platform === 'win32')('refuses a content file that is a symbolic link, or sits in a linked folder, as ConfinedPaths does (hostile-path)', async () => {
    const outside = path.join(work, 'secret');
    fs.writeFileSync(outside, 'not for the phone');
    const linkedId = idOf(3000);
    fs.mkdirSync(path.join(folder, linkedId.slice(0, 2)), { recursive: true });
    fs.symlinkSync(outside, path.join(folder, linkedId.slice(0, 2), linkedId));
    const linkedFile = await DownloadBatch.prepare([`${UDID}/${linkedId.slice(0, 2)}/${linkedId}`], new ConfinedPaths(UDID, folder), () => undefined).catch((error: unknown) => error);
    expect(isBackupError(linkedFile, 'hostile-path')).toBe(true);

    fs.mkdirSync(path.join(work, 'elsewhere'));
    fs.writeFileSync(path.join(work, 'elsewhere', 'ee'.padEnd(40, 'e')), 'not for the phone either');
    fs.symlinkSync(path.join(work, 'elsewhere'), path.join(folder, 'ee'));
    const linkedFolder = await DownloadBatch.prepare([`${UDID}/ee/${'ee'.padEnd(40, 'e')}`], new ConfinedPaths(UDID, folder), () => undefined).catch((error: unknown) => error);
    expect(isBackupError(linkedFolder, 'hostile-path')).toBe(true);
  });

  it('reads a file its Manifest.db row sizes only when its turn in the stream comes, so the phone gets the first file at once', async () => {
    const first = put(idOf(4000), Buffer.from('first'));
    const later = `${UDID}/${idOf(4001).slice(0, 2)}/${idOf(4001)}`;
    const gone = put(idOf(4002), Buffer.from('removed before its turn'));
    const sizes = new Map([[first, 5], [later, 4], [gone, 23]]);
    const batch = await DownloadBatch.prepare([first, later, gone], new ConfinedPaths(UDID, folder), (devicePath) => sizes.get(devicePath));
    // The recorded sizes stand in for the files in the progress total.
    expect(batch.bytes).toBe(5 + 4 + 23);
    // Written, grown and removed after the request came: each is seen as it is when sent, never past its recorded size.
    put(idOf(4001), Buffer.from('later, and longer than its row'));
    fs.rmSync(path.join(folder, gone.slice(-40, -38), gone.slice(-40)));
    expect((await contentOf(batch, first)).toString()).toBe('first');
    expect((await contentOf(batch, later)).toString()).toBe('late');
    await expect(contentOf(batch, gone)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => batch.throwIfRefused()).not.toThrow();
  });

  it.skipIf(process.platform === 'win32')('hands out a small sized file of a checked folder at once, not as a promise, so the stream sends it without waiting', async () => {
    const first = put(idOf(6000), Buffer.from('first'));
    const second = put(idOf(6001), Buffer.from('second'));
    const batch = await DownloadBatch.prepare([first, second], new ConfinedPaths(UDID, folder), () => 6);
    // The first file of a folder checks the folder on the way (a promise); the next one is read there and then.
    expect((await contentOf(batch, first)).toString()).toBe('first');
    const content = batch.content(second);
    expect(content).not.toBeInstanceOf(Promise);
    // Handed over open, for the stream to read straight into the memory it sends from.
    expect(content).toBeInstanceOf(SmallLocalFile);
    expect((await contentOf(batch, second)).toString()).toBe('second');
    fs.closeSync((content as SmallLocalFile).fd);
  });

  it.skipIf(process.platform === 'win32')('refuses a link met in the stream: that file and every later one fail, nothing more is read, and the restore stops after the stream', async () => {
    const outside = path.join(work, 'secret-2');
    fs.writeFileSync(outside, 'not for the phone');
    const linkedId = idOf(5000);
    const linked = `${UDID}/${linkedId.slice(0, 2)}/${linkedId}`;
    const after = put(idOf(5001), Buffer.from('fine'));
    fs.mkdirSync(path.join(folder, linkedId.slice(0, 2)), { recursive: true });
    fs.symlinkSync(outside, path.join(folder, linkedId.slice(0, 2), linkedId));
    const batch = await DownloadBatch.prepare([linked, after], new ConfinedPaths(UDID, folder), () => 17);
    expect(isBackupError(await contentOf(batch, linked).catch((error: unknown) => error), 'hostile-path')).toBe(true);
    expect(isBackupError(await contentOf(batch, after).catch((error: unknown) => error), 'hostile-path')).toBe(true);
    expect(() => batch.throwIfRefused()).toThrow(/link/i);
  });
});
