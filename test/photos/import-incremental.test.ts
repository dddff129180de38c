import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPhotos, PHOTO_INDEX_FILE_NAME, type PhotoImportProgress, type PhotoImportResult } from '../../src/main/photos';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import type { PhoneEntry } from '../../src/simulator/phone/phone-model';
import { dcimEntries, DCIM_PREFIX, expectedMonthFolder, filesUnder, pairedPhonePerTest, partialFilesUnder, sha1OfLocalFile, sha1OfPhoneFile } from './import-helpers';

/** Photo import (issue 5) against the virtual iPhone: complete, incremental, renames. */

const setUp = pairedPhonePerTest('Pictures', 'iPhone');

/** The photo a companion belongs to (same phone folder and number, HEIC or JPEG), for AFC paths; undefined for a photo or video itself. */
function stillOf(onPhone: ReadonlyMap<string, PhoneEntry>, devicePath: string): PhoneEntry | undefined {
  const match = /^(.*\/)IMG_(E?)(\d{4})\.([A-Z]+)$/.exec(devicePath);
  if (!match || (match[2] === '' && match[4] !== 'AAE' && match[4] !== 'MOV')) return undefined;
  for (const extension of ['HEIC', 'JPG']) {
    const still = onPhone.get(`${match[1]}IMG_${match[3]}.${extension}`);
    if (still && `${match[1]}IMG_${match[3]}.${extension}` !== devicePath) return still;
  }
  return undefined;
}

describe('photo import from the virtual iPhone', () => {
  it('copies every DCIM file byte for byte into YYYY/MM folders of its capture date, keeping the phone mtime', async () => {
    const { h, udid, destination } = await setUp();
    const phone = h.sim.device(udid).phone;
    const onPhone = dcimEntries(phone);
    expect(onPhone.size).toBeGreaterThan(20);
    const events: PhotoImportProgress[] = [];
    const result = await importPhotos({ muxAddress: h.sim.address, destination, onProgress: (event) => events.push(event) });

    expect(result.failed).toEqual([]);
    expect(result.imported).toBe(onPhone.size);
    expect(result.skipped + result.renamedMatches).toBe(0);
    expect(new Set(result.importedFiles.map((file) => file.devicePath))).toEqual(new Set(onPhone.keys()));
    let totalBytes = 0;
    for (const file of result.importedFiles) {
      const entry = onPhone.get(file.devicePath);
      if (!entry) throw new Error(`imported ${file.devicePath}, which the phone does not have`);
      const local = path.join(destination, ...file.destination.split('/'));
      // A capture's companions (an edit's .AAE and IMG_E render, a Live Photo's .MOV) join its photo's folder.
      const filedBy = stillOf(onPhone, file.devicePath) ?? entry;
      expect(filedBy, file.devicePath).toBeDefined();
      expect(file.destination).toBe(`${expectedMonthFolder(filedBy ?? entry)}/${path.posix.basename(entry.relativePath)}`);
      expect(sha1OfLocalFile(local), file.devicePath).toBe(await sha1OfPhoneFile(phone, entry));
      expect(Math.floor(fs.statSync(local).mtimeMs / 1000)).toBe(entry.mtime);
      totalBytes += entry.size;
      if (/\.(JPG|HEIC)$/.test(entry.relativePath)) {
        expect(file.captureSource, file.devicePath).toBe('exif');
        // An edit's render keeps its original's capture date in EXIF; only its file is newer.
        expect(Date.parse(file.capturedAt) / 1000).toBe((filedBy ?? entry).birth);
      }
    }
    expect(result.bytes).toBe(totalBytes);
    expect(filesUnder(destination)).toHaveLength(onPhone.size);
    expect(partialFilesUnder(destination)).toEqual([]);

    const last = events.at(-1);
    expect(last).toMatchObject({ phase: 'finished', filesDone: onPhone.size, filesTotal: onPhone.size, bytesDone: totalBytes, bytesTotal: totalBytes });
    const copying = events.filter((event) => event.phase === 'copying');
    expect(copying.some((event) => event.currentFile !== undefined && event.bytesDone > 0 && event.bytesDone < totalBytes)).toBe(true);
    // Progress never runs backwards.
    for (let i = 1; i < events.length; i++) expect((events[i] as PhotoImportProgress).bytesDone).toBeGreaterThanOrEqual((events[i - 1] as PhotoImportProgress).bytesDone);
  });

  it('copies nothing the second time, then exactly the new photos after some are taken', async () => {
    const { h, udid, destination } = await setUp();
    const first = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(first.imported).toBeGreaterThan(0);

    const second = await importPhotos({ muxAddress: h.sim.address, destination, udid });
    expect(second).toMatchObject({ imported: 0, skipped: first.imported, renamedMatches: 0, bytes: 0, failed: [] });

    const changes = await changePhone(h.sim.device(udid).phone, { seed: 7, addPhotos: 3 });
    const addedPaths = changes.added.filter((label) => label.includes(DCIM_PREFIX)).map((label) => `/DCIM/${label.slice(label.indexOf(DCIM_PREFIX) + DCIM_PREFIX.length)}`);
    expect(addedPaths.filter((added) => /\.HEIC$/.test(added))).toHaveLength(3);
    const third = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(third.failed).toEqual([]);
    expect(third.importedFiles.map((file) => file.devicePath).sort()).toEqual(addedPaths.sort());
    expect(third.skipped).toBe(first.imported);
    expect(filesUnder(destination)).toHaveLength(first.imported + addedPaths.length);
  });

  it('does not duplicate photos already in the folder when its index is lost', async () => {
    const { h, destination } = await setUp();
    const first = await importPhotos({ muxAddress: h.sim.address, destination });
    const before = filesUnder(destination);
    fs.rmSync(path.join(destination, PHOTO_INDEX_FILE_NAME));
    const second = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(second).toMatchObject({ imported: 0, skipped: first.imported, failed: [] });
    expect(filesUnder(destination)).toEqual(before);
    // The rebuilt index knows them again: the next run does not even read them.
    expect(await importPhotos({ muxAddress: h.sim.address, destination })).toMatchObject({ imported: 0, skipped: first.imported });
  });

  it('recognises a photo renamed or re-numbered on the phone instead of copying it twice', async () => {
    const { h, udid, destination } = await setUp();
    const phone = h.sim.device(udid).phone;
    const first = await importPhotos({ muxAddress: h.sim.address, destination });
    const before = filesUnder(destination);

    // Re-number one photo and move another to a new DCIM folder, as a restore can do.
    const [one, two] = [...dcimEntries(phone).values()].filter((entry) => entry.relativePath.endsWith('.JPG'));
    if (!one || !two || !phone.moveEntry) throw new Error('the simulated phone needs two photos and moveEntry');
    phone.moveEntry('CameraRollDomain', one.relativePath, 'CameraRollDomain', one.relativePath.replace(/IMG_\d{4}/, 'IMG_9001'));
    phone.putEntry({ ...withoutStoreFields(one), relativePath: `${DCIM_PREFIX}105APPLE`, kind: 'directory', mode: 0o040755 });
    phone.moveEntry('CameraRollDomain', two.relativePath, 'CameraRollDomain', `${DCIM_PREFIX}105APPLE/IMG_5000.JPG`);

    const second: PhotoImportResult = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(second).toMatchObject({ imported: 0, renamedMatches: 2, skipped: first.imported - 2, failed: [] });
    expect(filesUnder(destination)).toEqual(before);
    // Known by its new path from now on: a third run skips it without reading it.
    const third = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(third).toMatchObject({ imported: 0, renamedMatches: 0, skipped: first.imported });
  });

  it('keeps a different photo that arrives under a name already used, as "name (2)"', async () => {
    const { h, udid, destination } = await setUp();
    const phone = h.sim.device(udid).phone;
    await importPhotos({ muxAddress: h.sim.address, destination });
    // IMG_0001.JPG is deleted and a new photo taken the same month gets its number (a reset
    // counter): same name, same size and date, different pixels at the end.
    const original = [...dcimEntries(phone).values()].find((entry) => entry.relativePath.endsWith('IMG_0001.JPG'));
    if (!original) throw new Error('the simulated roll starts with IMG_0001.JPG');
    const chunks: Buffer[] = [];
    for await (const chunk of phone.readContent(original)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
    phone.removeEntry('CameraRollDomain', original.relativePath);
    await phone.writeFile({ ...withoutStoreFields(original), mtime: original.mtime + 60 }, bytes);

    const second = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(second.failed).toEqual([]);
    expect(second.importedFiles.map((file) => file.destination)).toEqual([`${expectedMonthFolder(original)}/IMG_0001 (2).JPG`]);
  });
});

describe('edit sidecars', () => {
  it('files an .AAE with its photo even when the edit was made in another month, in this run or a later one', async () => {
    const { h, udid, destination } = await setUp();
    const phone = h.sim.device(udid).phone;
    const sidecar = [...dcimEntries(phone).values()].find((entry) => entry.relativePath.endsWith('.AAE'));
    if (!sidecar) throw new Error('the seed-1 small phone has an edited photo with an .AAE sidecar');
    const photo = phone.entry('CameraRollDomain', sidecar.relativePath.replace(/\.AAE$/, '.HEIC')) ?? phone.entry('CameraRollDomain', sidecar.relativePath.replace(/\.AAE$/, '.JPG'));
    if (!photo) throw new Error('the sidecar has no photo');
    // The edit happened 100 days after the photo was taken.
    const editedAt = photo.birth + 100 * 86_400;
    const chunks: Buffer[] = [];
    for await (const chunk of phone.readContent(sidecar)) chunks.push(chunk);
    await phone.writeFile({ ...withoutStoreFields(sidecar), birth: editedAt, mtime: editedAt, ctime: editedAt }, Buffer.concat(chunks));
    expect(expectedMonthFolder({ ...sidecar, birth: editedAt })).not.toBe(expectedMonthFolder(photo));

    const first = await importPhotos({ muxAddress: h.sim.address, destination });
    const sidecarName = path.posix.basename(sidecar.relativePath);
    const expected = `${expectedMonthFolder(photo)}/${sidecarName}`;
    expect(first.importedFiles.find((file) => file.destination.endsWith(sidecarName))?.destination).toBe(expected);

    fs.rmSync(path.join(destination, ...expected.split('/')));
    const again = await importPhotos({ muxAddress: h.sim.address, destination, reimportDeleted: true });
    expect(again.importedFiles.map((file) => file.destination)).toEqual([expected]);
  });
});

function withoutStoreFields<T extends { inode: number; size: number }>(entry: T): Omit<T, 'inode' | 'size'> {
  const { inode: _inode, size: _size, ...rest } = entry;
  return rest;
}
