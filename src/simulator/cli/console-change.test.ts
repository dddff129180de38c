import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changePhone } from '../phone/phone-changes';
import { openPhone } from '../phone/phone-store';
import { UsageError } from './cli-args';
import { parseConsoleChange } from './console-change';

describe('the console change command', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-console-change-'));
  const phone = openPhone(dir, { seed: 3, profile: 'small' });
  afterAll(() => {
    phone.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads counts, a phone, a seed and a photo size range', () => {
    expect(parseConsoleChange(['ABC', 'modify=10', 'add-photos=2', 'delete=1', 'photo-bytes=1500000-4000000', 'seed=7'], 1_790_000_000)).toEqual({
      udid: 'ABC',
      options: { seed: 7, now: 1_790_000_000, modifyFiles: 10, addPhotos: 2, deleteFiles: 1, photoBytes: [1_500_000, 4_000_000] },
    });
    expect(parseConsoleChange(['modify=1'], 1_790_000_000)).toEqual({ udid: undefined, options: { seed: 1_790_000_000, now: 1_790_000_000, modifyFiles: 1, addPhotos: 0, deleteFiles: 0 } });
  });

  it('refuses what it cannot do with the usage line', () => {
    for (const words of [[], ['modify=x'], ['renamed=3'], ['A', 'B', 'modify=1'], ['add-photos=1', 'photo-bytes=9-3']]) {
      expect(() => parseConsoleChange(words)).toThrow(UsageError);
    }
  });

  it('adds photos in the size range it was given', async () => {
    const { options } = parseConsoleChange(['add-photos=3', 'photo-bytes=900000-1000000', 'seed=4'], 1_790_000_000);
    const summary = await changePhone(phone, options);
    const photos = summary.added.filter((label) => label.endsWith('.HEIC'));
    expect(photos).toHaveLength(3);
    for (const label of photos) {
      const size = phone.entry('CameraRollDomain', label.slice('CameraRollDomain/'.length))?.size ?? 0;
      expect(size).toBeGreaterThanOrEqual(900_000);
      expect(size).toBeLessThanOrEqual(1_000_000);
    }
  });
});
