import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPhotos } from '../../src/main/photos';
import { quickTimeSource } from '../../src/simulator/phone/content/quicktime-content';
import type { Phone, PhoneEntry } from '../../src/simulator/phone/phone-model';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';
import { dcimEntries, DCIM_PREFIX, expectedMonthFolder, expectedRollCounts, pairWithSimulator } from './import-helpers';

/**
 * Photo import of a real iPhone Camera Roll (issue 14 item 6): Live Photo pairs stay together in
 * folder and name, and counts are of photos and videos (not their companions). One virtual iPhone
 * for the file; each test imports into its own folder.
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
});
