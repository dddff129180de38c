import fs from 'node:fs';
import path from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPhotos } from '../../src/main/photos';
import { quickTimeSource } from '../../src/simulator/phone/content/quicktime-content';
import { HEIC_SAMPLES_BASE64 } from '../../src/simulator/phone/content/heic-samples';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import type { Phone, PhoneEntry } from '../../src/simulator/phone/phone-model';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';
import { dcimEntries, DCIM_PREFIX, expectedMonthFolder, expectedRollCounts, filesUnder, pairWithSimulator } from './import-helpers';

/**
 * Photo import of a real iPhone Camera Roll (issue 14 item 6): Live Photo pairs stay together in
 * folder and name, counts are of photos and videos (not their companions), "Convert HEIC to JPEG"
 * keeps the original unless told otherwise, and re-runs copy and convert only what is new. One
 * virtual iPhone for the file; each test imports into its own folder.
 */
let h: SimHarness;
let udid: string;
let phone: Phone;

beforeAll(async () => {
  h = await startSimHarness();
  udid = await pairWithSimulator(h.sim.address);
  phone = h.sim.device(udid).phone;
}, 60_000);
afterAll(async () => h.cleanup());

const exifText = (unix: number): string => new Date(unix * 1000).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');

function withoutStoreFields(entry: PhoneEntry): Omit<PhoneEntry, 'inode' | 'size'> {
  const { inode: _inode, size: _size, ...rest } = entry;
  return rest;
}

/** A Live Photo on the phone: its still and its video half (a .MOV of the same number beside it). */
function livePair(): { still: PhoneEntry; video: PhoneEntry } {
  for (const entry of dcimEntries(phone).values()) {
    const video = /\/IMG_\d{4}\.HEIC$/.test(entry.relativePath) ? phone.entry('CameraRollDomain', entry.relativePath.replace(/HEIC$/, 'MOV')) : undefined;
    if (video) return { still: entry, video };
  }
  throw new Error('the small phone always has a Live Photo');
}

describe('importing Live Photos, edits and sidecars', () => {
  it('keeps a Live Photo video with its still, in folder and name, and counts captures rather than files', async () => {
    const destination = path.join(h.workDir, 'pairs');
    const { still, video } = livePair();
    // The video half says it was made 40 days later: filed by its own date it would land in another month.
    const later = still.birth + 40 * 86_400;
    const movie = quickTimeSource('moved-live', video.size, { takenAt: later, width: 1440, height: 1080, durationSeconds: 3 });
    await phone.writeFile(withoutStoreFields(video), movie.readAt(0, movie.size));
    expect(expectedMonthFolder({ ...video, birth: later })).not.toBe(expectedMonthFolder(still));
    // Someone else's photo already has the still's name in that month: the pair becomes "(2)" together.
    const month = expectedMonthFolder(still);
    const stillName = path.posix.basename(still.relativePath);
    fs.mkdirSync(path.join(destination, ...month.split('/')), { recursive: true });
    fs.writeFileSync(path.join(destination, ...month.split('/'), stillName), 'another camera');

    const result = await importPhotos({ muxAddress: h.sim.address, destination, udid });
    expect(result.failed).toEqual([]);
    const placed = (entry: PhoneEntry) => result.importedFiles.find((file) => file.devicePath === `/DCIM/${entry.relativePath.slice(DCIM_PREFIX.length)}`);
    expect(placed(still)).toMatchObject({ destination: `${month}/${stillName.replace('.HEIC', ' (2).HEIC')}`, role: 'photo' });
    expect(placed(video)).toMatchObject({ destination: `${month}/${stillName.replace('.HEIC', ' (2).MOV')}`, role: 'live-video' });
    // Edits' renders and sidecars sit beside their photo too.
    for (const file of result.importedFiles.filter((imported) => imported.role === 'edited-copy' || imported.role === 'sidecar')) {
      const number = /IMG_[EO]?(\d{4})/.exec(file.devicePath)?.[1];
      const photo = result.importedFiles.find((other) => other.role === 'photo' && other.devicePath.startsWith(`${file.devicePath.slice(0, file.devicePath.lastIndexOf('/'))}/IMG_${number}.`));
      expect(photo, file.devicePath).toBeDefined();
      expect(path.posix.dirname(file.destination)).toBe(path.posix.dirname(photo?.destination ?? ''));
    }
    expect(result.counts).toEqual(expectedRollCounts(dcimEntries(phone)));
    expect(result.counts.livePhotos).toBeGreaterThanOrEqual(1);
    expect(result.counts.companions).toBeGreaterThanOrEqual(2);
    expect(result.counts.photos + result.counts.videos).toBeLessThan(result.imported);
  });

  it('converts HEIC to JPEG beside the kept original, with its EXIF date, and a re-run copies and converts only what is new', async () => {
    const destination = path.join(h.workDir, 'converted');
    const first = await importPhotos({ muxAddress: h.sim.address, destination, udid, convertHeicToJpeg: true });
    expect(first.failed).toEqual([]);
    expect(first.notConverted).toEqual([]);
    const heics = first.importedFiles.filter((file) => /\.HEIC$/.test(file.destination));
    expect(heics.length).toBeGreaterThanOrEqual(10);
    expect(first.converted).toBe(heics.length);
    for (const file of heics) {
      expect(file.convertedTo).toBe(file.destination.replace(/\.HEIC$/, '.JPG'));
      const jpeg = fs.readFileSync(path.join(destination, ...(file.convertedTo ?? '').split('/')));
      const picture = decodeJpeg(jpeg);
      expect([picture.width, picture.height].sort()).toEqual([120, 160]);
      const onPhone = dcimEntries(phone).get(file.devicePath);
      // The capture date is the photo's (an edit's render keeps its original's).
      const takenAt = Date.parse(file.capturedAt) / 1000;
      expect(jpeg.includes(Buffer.from(exifText(takenAt), 'latin1')), file.devicePath).toBe(true);
      expect(Math.floor(fs.statSync(path.join(destination, ...(file.convertedTo ?? '').split('/'))).mtimeMs / 1000)).toBe(onPhone?.mtime);
      expect(fs.existsSync(path.join(destination, ...file.destination.split('/')))).toBe(true);
    }
    // Videos, Live Photos' halves and sidecars are never converted.
    expect(first.importedFiles.filter((file) => !/\.HEIC$/.test(file.destination)).every((file) => file.convertedTo === undefined)).toBe(true);

    const again = await importPhotos({ muxAddress: h.sim.address, destination, udid, convertHeicToJpeg: true });
    expect(again).toMatchObject({ imported: 0, converted: 0, skipped: first.imported });

    const changes = await changePhone(phone, { seed: 11, addPhotos: 2, rollShape: { liveShare: 1 } });
    const added = changes.added.map((label) => `/DCIM/${label.slice(label.indexOf(DCIM_PREFIX) + DCIM_PREFIX.length)}`).sort();
    expect(added.filter((file) => file.endsWith('.HEIC'))).toHaveLength(2);
    expect(added.filter((file) => file.endsWith('.MOV'))).toHaveLength(2);
    const third = await importPhotos({ muxAddress: h.sim.address, destination, udid, convertHeicToJpeg: true });
    expect(third.importedFiles.map((file) => file.devicePath).sort()).toEqual(added);
    expect(third).toMatchObject({ converted: 2, counts: { photos: 2, videos: 0, livePhotos: 2, companions: 0 } });
  });

  it('keeps only the JPEG when asked, and the next run still knows those photos', async () => {
    const destination = path.join(h.workDir, 'jpeg-only');
    const first = await importPhotos({ muxAddress: h.sim.address, destination, udid, convertHeicToJpeg: true, keepHeicOriginals: false });
    expect(first.notConverted).toEqual([]);
    expect(first.converted).toBeGreaterThanOrEqual(10);
    expect(filesUnder(destination).filter((file) => /\.HEIC$/.test(file))).toEqual([]);
    for (const file of first.importedFiles.filter((imported) => imported.convertedTo !== undefined)) {
      expect(file.destination).toBe(file.convertedTo);
      expect(fs.readFileSync(path.join(destination, ...file.destination.split('/'))).subarray(0, 2).toString('hex')).toBe('ffd8');
    }
    const again = await importPhotos({ muxAddress: h.sim.address, destination, udid, convertHeicToJpeg: true, keepHeicOriginals: false });
    expect(again).toMatchObject({ imported: 0, converted: 0 });
  });

  it('copies and keeps a HEIC that cannot be decoded, saying why it was not converted', async () => {
    // The folder the conversion test filled: only the damaged photo is new there, so only it is decoded.
    const destination = path.join(h.workDir, 'converted');
    const sample = Buffer.from(HEIC_SAMPLES_BASE64.landscape[0] ?? '', 'base64');
    // Cut short: the header and meta box survive, the coded picture they point at does not.
    const damaged = sample.subarray(0, sample.length - 400);
    const now = Math.floor(Date.now() / 1000);
    await phone.writeFile({
      domain: 'CameraRollDomain', relativePath: `${DCIM_PREFIX}101APPLE/IMG_1990.HEIC`, kind: 'file', mode: 0o100644, uid: 501, gid: 501,
      mtime: now, ctime: now, birth: now, protectionClass: 3,
    }, damaged);
    const result = await importPhotos({ muxAddress: h.sim.address, destination, udid, convertHeicToJpeg: true });
    expect(result.failed).toEqual([]);
    expect(result.imported).toBe(1);
    expect(result.notConverted).toEqual([{ path: '/DCIM/101APPLE/IMG_1990.HEIC', reason: expect.stringMatching(/IMG_1990\.HEIC.*decoded.*The HEIC was kept\./) as unknown as string }]);
    const copied = result.importedFiles.find((file) => file.devicePath === '/DCIM/101APPLE/IMG_1990.HEIC');
    expect(copied?.convertedTo).toBeUndefined();
    expect(fs.readFileSync(path.join(destination, ...(copied?.destination ?? '').split('/'))).equals(damaged)).toBe(true);
  });
});
