import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode as decodeJpeg } from 'jpeg-js';
import { heicSource } from '../../simulator/phone/content/heic-content';
import { writeCameraRollBackup as writeBackup } from '../../../test/helpers/camera-roll-backup';
import { createBrowserBackend, MAX_PREVIEW_BYTES } from './browser-backend';

describe('browser backend', () => {
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('previews a HEIC as a JPEG thumbnail decoded off the main thread, and a damaged one not at all', async () => {
    const source = heicSource('browser-preview', 30_000, { takenAt: 1_700_000_000, width: 160, height: 120 });
    const heic = source.readAt(0, source.size);
    writeBackup(path.join(work, 'backup'), [
      { name: 'IMG_0004.HEIC', content: heic },
      { name: 'IMG_0005.HEIC', content: heic.subarray(0, 900) },
    ]);
    const backend = createBrowserBackend();
    const session = await backend.open({ backupPath: path.join(work, 'backup'), backupId: 'b1' });
    try {
      const page = await backend.list(session.sessionId, { domain: 'CameraRollDomain', directory: 'Media/DCIM/100APPLE' });
      const byName = new Map(page.entries.map((entry) => [path.basename(entry.relativePath), entry.fileId]));
      const preview = await backend.preview!(session.sessionId, byName.get('IMG_0004.HEIC')!);
      expect(preview.dataUrl).toMatch(/^data:image\/jpeg;base64,/);
      const picture = decodeJpeg(Buffer.from(preview.dataUrl!.slice(preview.dataUrl!.indexOf(',') + 1), 'base64'));
      expect([picture.width, picture.height]).toEqual([160, 120]);
      expect((await backend.preview!(session.sessionId, byName.get('IMG_0005.HEIC')!)).dataUrl).toBeUndefined();
    } finally {
      await backend.close(session.sessionId);
    }
  });

  it('previews small JPEGs with their own bytes, and nothing else', async () => {
    const small = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(2000)]);
    const big = Buffer.alloc(MAX_PREVIEW_BYTES + 1, 7);
    writeBackup(path.join(work, 'backup'), [
      { name: 'IMG_0001.JPG', content: small },
      { name: 'IMG_0002.JPG', content: big },
      { name: 'IMG_0003.PNG', content: Buffer.from('not a jpeg') },
    ]);
    const backend = createBrowserBackend();
    const session = await backend.open({ backupPath: path.join(work, 'backup'), backupId: 'b1' });
    try {
      const page = await backend.list(session.sessionId, { domain: 'CameraRollDomain', directory: 'Media/DCIM/100APPLE' });
      const byName = new Map(page.entries.map((entry) => [path.basename(entry.relativePath), entry.fileId]));
      const preview = await backend.preview!(session.sessionId, byName.get('IMG_0001.JPG')!);
      expect(preview.dataUrl).toBe(`data:image/jpeg;base64,${small.toString('base64')}`);
      expect((await backend.preview!(session.sessionId, byName.get('IMG_0002.JPG')!)).dataUrl).toBeUndefined();
      expect((await backend.preview!(session.sessionId, byName.get('IMG_0003.PNG')!)).dataUrl).toBeUndefined();
      // Only files the UI was shown can be previewed, as with extract.
      await expect(backend.preview!(session.sessionId, 'f'.repeat(40))).rejects.toMatchObject({ error: { code: 'not-found' } });
    } finally {
      await backend.close(session.sessionId);
    }
  });

  it('pages through a folder in order, and gives each domain its size', async () => {
    const files = Array.from({ length: 25 }, (_, index) => ({ name: `IMG_${String(index).padStart(4, '0')}.JPG`, content: Buffer.alloc(index + 1) }));
    writeBackup(path.join(work, 'backup'), files);
    const backend = createBrowserBackend();
    const session = await backend.open({ backupPath: path.join(work, 'backup'), backupId: 'b1' });
    try {
      const top = await backend.list(session.sessionId, {});
      expect(top.entries).toEqual([expect.objectContaining({ domain: 'CameraRollDomain', sizeBytes: (25 * 26) / 2 })]);
      const names: string[] = [];
      for (let offset = 0; offset < 25; offset += 10) {
        const page = await backend.list(session.sessionId, { domain: 'CameraRollDomain', directory: 'Media/DCIM/100APPLE', offset, limit: 10 });
        expect(page.total).toBe(25);
        names.push(...page.entries.map((entry) => path.basename(entry.relativePath)));
      }
      expect(names).toEqual(files.map((file) => file.name));
    } finally {
      await backend.close(session.sessionId);
    }
  });
});
