import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { pairDevice } from '../../src/main/device/lockdown';
import { UsbmuxClient } from '../../src/main/device/usbmux';
import type { Phone, PhoneEntry } from '../../src/simulator/phone/phone-model';
import { PARTIAL_SUFFIX } from '../../src/main/photos';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';

/** Shared steps of the photo-import tests against the virtual iPhone. */

export const DCIM_PREFIX = 'Media/DCIM/';

export async function pairWithSimulator(address: string): Promise<string> {
  const mux = new UsbmuxClient({ address, timeoutMs: 20_000 });
  const device = await mux.findDevice();
  await pairDevice(device, { mux });
  return device.udid;
}

export interface PairedPhone {
  readonly h: SimHarness;
  readonly udid: string;
  /** The photo folder, `destination` under the harness's work folder (not made yet). */
  readonly destination: string;
}

/**
 * For a test file whose every test wants its own phone: returns the set-up to call in each test (a
 * fresh virtual iPhone, paired, and a photo folder under `destination` in its work folder), and
 * registers the afterEach that stops the phone again. Call it once, at the top of the file.
 */
export function pairedPhonePerTest(...destination: string[]): () => Promise<PairedPhone> {
  let harness: SimHarness | undefined;
  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
  });
  return async () => {
    const h = await startSimHarness();
    harness = h;
    const udid = await pairWithSimulator(h.sim.address);
    return { h, udid, destination: path.join(h.workDir, ...destination) };
  };
}

/** The phone's Camera Roll files (what AFC shows under /DCIM, hidden `.MISC` aside), keyed by AFC path. */
export function dcimEntries(phone: Phone): Map<string, PhoneEntry> {
  const files = new Map<string, PhoneEntry>();
  for (const entry of phone.entries()) {
    if (entry.domain === 'CameraRollDomain' && entry.kind === 'file' && entry.relativePath.startsWith(DCIM_PREFIX) && !entry.relativePath.includes('/.')) {
      files.set(`/DCIM/${entry.relativePath.slice(DCIM_PREFIX.length)}`, entry);
    }
  }
  return files;
}

export async function sha1OfPhoneFile(phone: Phone, entry: PhoneEntry): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of phone.readContent(entry)) hash.update(chunk);
  return hash.digest('hex');
}

export function sha1OfLocalFile(file: string): string {
  return createHash('sha1').update(fs.readFileSync(file)).digest('hex');
}

/** Every regular file under `root` except the index, relative and `/`-separated. */
export function filesUnder(root: string): string[] {
  const found: string[] = [];
  const visit = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (!entry.name.startsWith('.lifeboat-photos')) found.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  visit(root);
  return found.sort();
}

export function partialFilesUnder(root: string): string[] {
  return filesUnder(root).filter((name) => name.endsWith(PARTIAL_SUFFIX));
}

/**
 * The YYYY/MM folder a phone file should land in: the simulator writes EXIF DateTimeOriginal in
 * UTC with offset +00:00 for JPEG photos; other files fall back to the creation time, read as
 * this computer's local calendar.
 */
export function expectedMonthFolder(entry: PhoneEntry): string {
  const taken = new Date(entry.birth * 1000);
  const isJpeg = /\.jpe?g$/i.test(entry.relativePath);
  const year = isJpeg ? taken.getUTCFullYear() : taken.getFullYear();
  const month = (isJpeg ? taken.getUTCMonth() : taken.getMonth()) + 1;
  return `${year}/${String(month).padStart(2, '0')}`;
}

/**
 * What the phone's roll holds as a person counts it, worked out from the names the simulator
 * writes (independently of Lifeboat's own counting): a Live Photo is its .HEIC with a .MOV of the
 * same number beside it; IMG_E renders and .AAE edits are companions.
 */
export function expectedRollCounts(onPhone: ReadonlyMap<string, PhoneEntry>): { photos: number; videos: number; livePhotos: number; companions: number } {
  const paths = [...onPhone.keys()];
  const live = paths.filter((file) => /\/IMG_\d{4}\.MOV$/.test(file) && onPhone.has(file.replace(/MOV$/, 'HEIC')));
  return {
    photos: paths.filter((file) => /\/IMG_\d{4}\.(HEIC|JPG|PNG)$/.test(file)).length,
    videos: paths.filter((file) => /\/IMG_\d{4}\.MOV$/.test(file)).length - live.length,
    livePhotos: live.length,
    companions: paths.filter((file) => /\.AAE$|\/IMG_E\d{4}\./.test(file)).length,
  };
}
