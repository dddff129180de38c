import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupError } from '../../backup/backup-error';
import { diskFullOr, monthFolder, nameVariant, PARTIAL_SUFFIX, PartialFile, removeStalePartials, safeFileName } from './destination-files';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

async function writePartial(folder: string, name: string, bytes: Buffer): Promise<PartialFile> {
  const partial = await PartialFile.create(root, folder, name);
  await partial.write(bytes.subarray(0, 10));
  await partial.write(bytes.subarray(10));
  return partial;
}

describe('destination names', () => {
  it('keeps ordinary phone names and makes hostile ones harmless or refuses them', () => {
    expect(safeFileName('IMG_0001.HEIC')).toBe('IMG_0001.HEIC');
    expect(safeFileName('x/../../etc/passwd')).toBe('x_.._.._etc_passwd');
    expect(safeFileName('a/b\\c:d*e?.JPG')).toBe('a_b_c_d_e_.JPG');
    expect(safeFileName('bell\u0007.JPG')).toBe('bell_.JPG');
    expect(safeFileName('CON.JPG')).toBe('_CON.JPG');
    for (const refused of ['', '.', '..', '../../etc/passwd', '.hidden', 'x'.repeat(300)]) expect(safeFileName(refused), refused).toBeUndefined();
  });

  it('numbers variants the way Finder does and pads month folders', () => {
    expect(nameVariant('IMG_0001.JPG', 1)).toBe('IMG_0001.JPG');
    expect(nameVariant('IMG_0001.JPG', 2)).toBe('IMG_0001 (2).JPG');
    expect(nameVariant('README', 3)).toBe('README (3)');
    expect(monthFolder({ year: 2024, month: 3, day: 1, hour: 0, minute: 0, second: 0, offsetMinutes: undefined })).toBe('2024/03');
  });
});

describe('partial files', () => {
  it('writes under the partial name, then renames with the phone mtime', async () => {
    const bytes = randomBytes(5000);
    const partial = await writePartial('2024/03', 'IMG_0001.JPG', bytes);
    const partialPath = partial.partialPath;
    expect(path.dirname(partialPath)).toBe(path.join(root, '2024', '03'));
    expect(path.basename(partialPath)).toMatch(new RegExp(`^IMG_0001\\.JPG\\.[0-9a-z]{1,7}${PARTIAL_SUFFIX.replace('.', '\\.')}$`));
    expect(fs.existsSync(partialPath)).toBe(true);
    expect(fs.existsSync(path.join(root, '2024', '03', 'IMG_0001.JPG'))).toBe(false);
    const modified = new Date('2024-03-05T10:00:00Z');
    const settled = await partial.commit(sha1(bytes), modified);
    expect(settled).toEqual({ relativePath: '2024/03/IMG_0001.JPG', alreadyThere: false });
    const final = path.join(root, '2024', '03', 'IMG_0001.JPG');
    expect(fs.readFileSync(final)).toEqual(bytes);
    expect(fs.statSync(final).mtime.toISOString()).toBe(modified.toISOString());
    expect(fs.existsSync(partialPath)).toBe(false);
  });

  it('adds " (2)" for different content under a taken name, and adopts an identical file instead of copying it', async () => {
    const first = randomBytes(3000);
    await (await writePartial('2024/03', 'IMG_0001.JPG', first)).commit(sha1(first), undefined);
    const other = randomBytes(3000);
    expect(await (await writePartial('2024/03', 'IMG_0001.JPG', other)).commit(sha1(other), undefined)).toEqual({ relativePath: '2024/03/IMG_0001 (2).JPG', alreadyThere: false });
    const again = await writePartial('2024/03', 'IMG_0001.JPG', other);
    expect(await again.commit(sha1(other), undefined)).toEqual({ relativePath: '2024/03/IMG_0001 (2).JPG', alreadyThere: true });
    expect(fs.readdirSync(path.join(root, '2024', '03')).sort()).toEqual(['IMG_0001 (2).JPG', 'IMG_0001.JPG']);
  });

  it('keeps two copies of the same name apart while both wait, and publishes only sealed files', async () => {
    const first = randomBytes(2000);
    const second = randomBytes(2000);
    const a = await writePartial('2024/05', 'IMG_0003.JPG', first);
    const b = await writePartial('2024/05', 'IMG_0003.JPG', second);
    expect(a.partialPath).not.toBe(b.partialPath);
    await expect(a.publish(sha1(first))).rejects.toThrow(/published before its bytes were flushed/);
    await Promise.all([a.seal(undefined), b.seal(undefined)]);
    expect(await a.publish(sha1(first))).toEqual({ relativePath: '2024/05/IMG_0003.JPG', alreadyThere: false });
    expect(await b.publish(sha1(second))).toEqual({ relativePath: '2024/05/IMG_0003 (2).JPG', alreadyThere: false });
    expect(fs.readFileSync(path.join(root, '2024', '05', 'IMG_0003.JPG'))).toEqual(first);
    expect(fs.readFileSync(path.join(root, '2024', '05', 'IMG_0003 (2).JPG'))).toEqual(second);
  });

  it('discard removes the partial file and leaves a file of the final name untouched', async () => {
    const bytes = randomBytes(100);
    await (await writePartial('2024/04', 'IMG_0002.JPG', bytes)).commit(sha1(bytes), undefined);
    const interrupted = await writePartial('2024/04', 'IMG_0002.JPG', randomBytes(50));
    await interrupted.discard();
    await interrupted.discard();
    expect(fs.readdirSync(path.join(root, '2024', '04'))).toEqual(['IMG_0002.JPG']);
    expect(fs.readFileSync(path.join(root, '2024', '04', 'IMG_0002.JPG'))).toEqual(bytes);
  });

  it('sweeps leftovers of a killed run from YYYY/MM folders only', async () => {
    fs.mkdirSync(path.join(root, '2023', '12'), { recursive: true });
    fs.writeFileSync(path.join(root, '2023', '12', `IMG_1.JPG${PARTIAL_SUFFIX}`), 'x');
    fs.writeFileSync(path.join(root, '2023', '12', 'IMG_1.JPG'), 'kept');
    fs.writeFileSync(path.join(root, `notes${PARTIAL_SUFFIX}`), 'not ours to judge');
    expect(await removeStalePartials(root)).toBe(1);
    expect(fs.readdirSync(path.join(root, '2023', '12'))).toEqual(['IMG_1.JPG']);
    expect(fs.existsSync(path.join(root, `notes${PARTIAL_SUFFIX}`))).toBe(true);
  });

  it('turns ENOSPC into a disk-full BackupError with a sentence', () => {
    const full = diskFullOr(Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }), '/photos');
    expect(isBackupError(full, 'disk-full')).toBe(true);
    expect((full as Error).message).toMatch(/disk holding \/photos is full/);
    const other = new Error('EIO');
    expect(diskFullOr(other, '/photos')).toBe(other);
  });
});
