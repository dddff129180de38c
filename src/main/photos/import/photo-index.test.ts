import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf, StreamingIdentity } from './content-fingerprint';
import { ImportProgress } from './import-progress';
import { PHOTO_INDEX_FILE_NAME, PhotoIndex } from './photo-index';
import type { PhotoImportProgress } from './photo-import-types';

let folder: string;
beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('content fingerprint', () => {
  it('is the same whether computed from both ends or while streaming in any chunking', () => {
    for (const size of [0, 10, 64 * 1024, 64 * 1024 + 1, 200_000]) {
      const bytes = randomBytes(size);
      const expected = fingerprintOf(size, bytes.subarray(0, 64 * 1024), bytes.subarray(Math.max(0, size - 64 * 1024)));
      for (const chunk of [1000, 65_536, 1 << 20]) {
        const identity = new StreamingIdentity();
        for (let at = 0; at < size; at += chunk) identity.update(bytes.subarray(at, at + chunk));
        const result = identity.finish();
        expect(result.fingerprint, `size ${size} chunk ${chunk}`).toBe(expected);
        expect(result.sha1).toBe(createHash('sha1').update(bytes).digest('hex'));
        expect(result.size).toBe(size);
      }
    }
  });

  it('differs when only the middle is the same size but an end differs', () => {
    const bytes = randomBytes(300_000);
    const changedEnd = Buffer.from(bytes);
    changedEnd[changedEnd.length - 1] = (changedEnd[changedEnd.length - 1] as number) ^ 1;
    const whole = (b: Buffer): string => fingerprintOf(b.length, b.subarray(0, 65_536), b.subarray(b.length - 65_536));
    expect(whole(changedEnd)).not.toBe(whole(bytes));
  });
});

describe('photo index', () => {
  const photo = { sha1: 'a'.repeat(40), size: 1234, fingerprint: 'f'.repeat(40), destination: '2024/01/IMG_0001.JPG', capturedAt: 1_700_000_000_000, captureSource: 'exif' as const, modifiedMs: 5 };
  const source = { udid: 'PHONE', devicePath: '/DCIM/100APPLE/IMG_0001.JPG', size: 1234, modifiedMs: 5 };

  it('remembers photos and where they came from across reopenings', () => {
    const index = PhotoIndex.open(folder);
    const record = index.addPhoto(photo, source);
    expect(record).toMatchObject({ destination: photo.destination, size: 1234, captureSource: 'exif' });
    index.close();

    const reopened = PhotoIndex.open(folder);
    expect(reopened.source('PHONE', source.devicePath)).toEqual({ photoId: record.id, size: 1234, modifiedMs: 5 });
    expect(reopened.source('OTHER', source.devicePath)).toBeUndefined();
    expect(reopened.hasSize(1234)).toBe(true);
    expect(reopened.hasSize(1235)).toBe(false);
    expect(reopened.byFingerprint(1234, photo.fingerprint)?.id).toBe(record.id);
    expect(reopened.byContent(photo.sha1, 1234)?.id).toBe(record.id);

    reopened.linkSource({ ...source, devicePath: '/DCIM/101APPLE/IMG_9001.JPG' }, record.id);
    expect(reopened.source('PHONE', '/DCIM/101APPLE/IMG_9001.JPG')?.photoId).toBe(record.id);
    // The same content again keeps one row and follows its new place.
    reopened.addPhoto({ ...photo, destination: '2024/01/IMG_0001 (2).JPG' }, source);
    expect(reopened.photos()).toHaveLength(1);
    expect(reopened.photos()[0]?.destination).toBe('2024/01/IMG_0001 (2).JPG');
    reopened.close();
    expect(fs.readdirSync(folder)).toEqual([PHOTO_INDEX_FILE_NAME]);
  });

  it('refuses an index written by a newer Lifeboat rather than misreading it', () => {
    const db = new Database(path.join(folder, PHOTO_INDEX_FILE_NAME));
    db.pragma('user_version = 99');
    db.close();
    expect(() => PhotoIndex.open(folder)).toThrow(/newer Lifeboat/);
  });
});

describe('import progress', () => {
  it('measures speed over a recent window and derives the time left', () => {
    let now = 0;
    const events: PhotoImportProgress[] = [];
    const progress = new ImportProgress((event) => events.push(event), () => now);
    progress.phase = 'copying';
    progress.filesTotal = 2;
    progress.bytesTotal = 10_000_000;
    progress.emit();
    progress.startFile('/DCIM/100APPLE/IMG_0001.JPG', 6_000_000);
    now = 1000;
    progress.addBytes(1_000_000);
    now = 2000;
    progress.addBytes(1_000_000);
    const last = events.at(-1) as PhotoImportProgress;
    expect(last.bytesPerSecond).toBe(1_000_000);
    // Two seconds in: too early to say how long is left (progress-estimator.ts).
    expect(last.etaSeconds).toBeUndefined();
    now = 12_000;
    progress.addBytes(4_000_000);
    // 6 MB of 10 in 12 s, steady at 0.5 MB/s: 8 s left, said in 5-second steps.
    expect(events.at(-1)?.etaSeconds).toBe(10);
    expect(last).toMatchObject({ currentFile: '/DCIM/100APPLE/IMG_0001.JPG', currentFileBytes: 6_000_000, currentFileBytesDone: 2_000_000 });
    // The file ended after 4 MB of its 6: the total shrinks so the bar can still reach 100 %.
    progress.finishFile(6_000_000, 4_000_000);
    expect(progress.bytesTotal).toBe(8_000_000);
    expect(progress.filesDone).toBe(1);
  });
});
