import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode as decodeJpeg } from 'jpeg-js';
import type { PhotoRow } from '../../shared/contract';
import { heicSource } from '../../simulator/phone/content/heic-content';
import { writeCameraRollBackup } from '../../../test/helpers/camera-roll-backup';
import { HeicPreviews } from '../photos/heic';
import { createUntrustedBackupReader } from '../reader';
import { createBrowserBackend } from './browser-backend';
import { createLibraryBackend } from './library-backend';

/**
 * The library's Photos view shows HEIC stills (what iPhones shoot since iOS 11) as JPEG thumbnails
 * decoded on the HEIC thread, like the files view, instead of a grey placeholder; a damaged HEIC and
 * a HEIC dressed as a JPEG get none, and JPEGs are still sent as they are.
 */
describe('library backend thumbnails', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-library-'));
  const reader = createUntrustedBackupReader();
  const previews = new HeicPreviews();
  const browser = createBrowserBackend(reader, previews);
  const library = createLibraryBackend(reader, (sessionId) => browser.readerHandle!(sessionId), previews);
  const heic = (() => {
    const source = heicSource('library-thumbnail', 30_000, { takenAt: 1_700_000_000, width: 160, height: 120 });
    return source.readAt(0, source.size);
  })();
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(2000)]);
  let sessionId: string;
  let photos: PhotoRow[];

  beforeAll(async () => {
    writeCameraRollBackup(path.join(work, 'backup'), [
      { name: 'IMG_1001.HEIC', content: heic },
      { name: 'IMG_1002.HEIC', content: heic.subarray(0, 900) },
      { name: 'IMG_1003.JPG', content: jpeg },
      { name: 'IMG_1004.JPG', content: heic },
    ]);
    ({ sessionId } = await browser.open({ backupPath: path.join(work, 'backup'), backupId: 'b1' }));
    photos = (await library.page(sessionId, { view: 'photos' })).rows as PhotoRow[];
  });

  afterAll(async () => {
    await browser.close(sessionId);
    await reader.close();
    await previews.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const refOf = (name: string): string => photos.find((row) => row.file.name === name)!.file.ref;

  it('marks HEIC stills as pictures the view asks a thumbnail for', () => {
    expect(photos.map((row) => [row.file.name, row.file.image])).toEqual(expect.arrayContaining([['IMG_1001.HEIC', true], ['IMG_1003.JPG', true]]));
  });

  it('answers a HEIC with a JPEG thumbnail of the picture', async () => {
    const answer = await library.thumbnail(sessionId, refOf('IMG_1001.HEIC'));
    expect(answer.dataUrl).toMatch(/^data:image\/jpeg;base64,/);
    const picture = decodeJpeg(Buffer.from(answer.dataUrl!.slice(answer.dataUrl!.indexOf(',') + 1), 'base64'));
    expect([picture.width, picture.height]).toEqual([160, 120]);
  });

  it('has no thumbnail for a cut-short HEIC or a HEIC named .JPG, and sends a JPEG as it is', async () => {
    expect((await library.thumbnail(sessionId, refOf('IMG_1002.HEIC'))).dataUrl).toBeUndefined();
    expect((await library.thumbnail(sessionId, refOf('IMG_1004.JPG'))).dataUrl).toBeUndefined();
    expect((await library.thumbnail(sessionId, refOf('IMG_1003.JPG'))).dataUrl).toBe(`data:image/jpeg;base64,${jpeg.toString('base64')}`);
  });
});
