import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePlist } from '../../main/device/codec';
import { appleContentIdentifier } from '../../../test/helpers/apple-maker-note';
import { generatedSource } from './content/content-spec';
import type { GeneratedFile } from './generated-file';
import { generatePhone } from './phone-generator';

/**
 * The generated Camera Roll looks like a real iPhone's (protocol-notes.md "Camera Roll"): HEIC
 * stills that Debian's libheif decodes with their EXIF date, Live Photo pairs, edits with a render
 * and an AAE plist, HEVC videos, several DCIM folders, one Photos.sqlite row per capture.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-roll-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const files = [...generatePhone(7, 'small').files].filter((file) => file.domain === 'CameraRollDomain');
const byPath = new Map(files.map((file) => [file.relativePath, file]));
const bytesOf = (file: GeneratedFile | undefined): Buffer => {
  if (!file?.content) throw new Error('no such generated file');
  return Buffer.isBuffer(file.content) ? file.content : generatedSource(file.content).readAt(0, file.content.size);
};
const exifText = (unix: number): string => new Date(unix * 1000).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');
const roll = (pattern: RegExp): GeneratedFile[] => files.filter((file) => pattern.test(file.relativePath));

/** The first box of `type` inside `bytes[start, end)`, walking ISO BMFF box headers. */
function findBox(bytes: Buffer, type: string, start = 0, end = bytes.length): { start: number; end: number } | undefined {
  for (let at = start; at + 8 <= end;) {
    const size = bytes.readUInt32BE(at);
    if (size < 8) return undefined;
    if (bytes.toString('latin1', at + 4, at + 8) === type) return { start: at + 8, end: at + size };
    at += size;
  }
  return undefined;
}

function hasHeifEnc(): boolean {
  try {
    execFileSync('heif-convert', ['--help'], { stdio: 'pipe' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status !== undefined && (error as { code?: string }).code !== 'ENOENT';
  }
}

describe('the generated Camera Roll', () => {
  it('spreads the roll over several DCIM folders with HEIC stills, older JPEGs, PNG screenshots and videos', () => {
    const folders = new Set(roll(/^Media\/DCIM\/\d{3}APPLE\//).map((file) => file.relativePath.split('/')[2]));
    expect([...folders].sort()).toEqual(['100APPLE', '101APPLE']);
    expect(roll(/\/IMG_\d{4}\.HEIC$/).length).toBeGreaterThanOrEqual(10);
    expect(roll(/\/IMG_\d{4}\.JPG$/).length).toBeGreaterThanOrEqual(4);
    expect(roll(/\/IMG_\d{4}\.PNG$/)).toHaveLength(2);
    // JPEGs are the older photos: every one was taken before every HEIC.
    const newestJpeg = Math.max(...roll(/\/IMG_\d{4}\.JPG$/).map((file) => file.birth));
    expect(Math.min(...roll(/\/IMG_\d{4}\.HEIC$/).map((file) => file.birth))).toBeGreaterThan(newestJpeg);
  });

  it.runIf(hasHeifEnc())('has HEIC stills that libheif decodes, carrying their capture date in EXIF', () => {
    for (const still of roll(/\/IMG_E?\d{4}\.HEIC$/).slice(0, 3)) {
      const heic = path.join(work, path.basename(still.relativePath));
      fs.writeFileSync(heic, bytesOf(still));
      const jpeg = `${heic}.jpg`;
      execFileSync('heif-convert', [heic, jpeg], { stdio: 'pipe' });
      const decoded = fs.readFileSync(jpeg);
      expect(decoded.subarray(0, 2).toString('hex')).toBe('ffd8');
      // heif-convert copies the HEIC's Exif item into the JPEG: the date must be the photo's.
      expect(decoded.includes(Buffer.from(exifText(still.birth - (/IMG_E/.test(still.relativePath) ? 3600 : 0)), 'latin1'))).toBe(true);
    }
  });

  it('pairs each Live Photo still with a QuickTime HEVC movie carrying the identifier Photos.sqlite records, in both files', () => {
    const photos = new Database(bytesOf(byPath.get('Media/PhotoData/Photos.sqlite')));
    const rows = photos.prepare<[], { ZDIRECTORY: string; ZFILENAME: string; ZKINDSUBTYPE: number; ZMEDIAGROUPUUID: string | null }>(
      'SELECT ZDIRECTORY, ZFILENAME, ZKINDSUBTYPE, ZMEDIAGROUPUUID FROM ZASSET').all();
    photos.close();
    const live = rows.filter((row) => row.ZKINDSUBTYPE === 2);
    expect(live.length).toBeGreaterThanOrEqual(2);
    for (const row of live) {
      const movie = bytesOf(byPath.get(`Media/${row.ZDIRECTORY}/${row.ZFILENAME.replace(/\.HEIC$/, '.MOV')}`));
      expect(movie.toString('latin1', 4, 12)).toBe('ftypqt  ');
      const moov = findBox(movie, 'moov');
      if (!moov) throw new Error('no moov box');
      const text = movie.toString('latin1', moov.start, moov.end);
      expect(text).toContain('hvc1');
      expect(text).toContain('com.apple.quicktime.content.identifier');
      expect(row.ZMEDIAGROUPUUID).toMatch(/^[0-9A-F-]{36}$/);
      expect(text).toContain(row.ZMEDIAGROUPUUID);
      // The still names the same identifier in Apple's MakerNote, as a real Live Photo's does.
      expect(appleContentIdentifier(bytesOf(byPath.get(`Media/${row.ZDIRECTORY}/${row.ZFILENAME}`)))).toBe(row.ZMEDIAGROUPUUID);
    }
    // A still without a movie has no identifier (exiftool: the tag is there only for a Live Photo).
    const stills = rows.filter((row) => row.ZKINDSUBTYPE !== 2 && row.ZFILENAME.endsWith('.HEIC'));
    expect(stills.length).toBeGreaterThan(0);
    for (const row of stills) expect(appleContentIdentifier(bytesOf(byPath.get(`Media/${row.ZDIRECTORY}/${row.ZFILENAME}`)))).toBeUndefined();
    // No other row names a .MOV that sits beside a .HEIC: the pair is one asset.
    expect(rows.filter((row) => row.ZFILENAME.endsWith('.MOV') && byPath.has(`Media/${row.ZDIRECTORY}/${row.ZFILENAME.replace(/MOV$/, 'HEIC')}`))).toEqual([]);
  });

  it('dates videos in their movie header, as the camera does', () => {
    const videos = roll(/\/IMG_\d{4}\.MOV$/).filter((file) => !byPath.has(file.relativePath.replace(/MOV$/, 'HEIC')));
    expect(videos.length).toBeGreaterThanOrEqual(1);
    for (const video of videos) {
      const movie = bytesOf(video);
      const moov = findBox(movie, 'moov');
      const mvhd = moov && findBox(movie, 'mvhd', moov.start, moov.end);
      if (!mvhd) throw new Error('no mvhd');
      expect(movie.readUInt32BE(mvhd.start + 4) - 2_082_844_800).toBe(video.birth);
    }
  });

  it('keeps an edit as an IMG_E render beside the original and an AAE plist of adjustments', () => {
    const sidecars = roll(/\.AAE$/);
    expect(sidecars.length).toBeGreaterThanOrEqual(1);
    for (const sidecar of sidecars) {
      const stem = sidecar.relativePath.replace(/\.AAE$/, '');
      const render = [...byPath.keys()].find((other) => other.startsWith(stem.replace('/IMG_', '/IMG_E')) && /\.(HEIC|JPG)$/.test(other));
      expect(render).toBeDefined();
      const text = bytesOf(sidecar).toString('utf8');
      expect(text.startsWith('<?xml')).toBe(true);
      const plist = decodePlist(bytesOf(sidecar)) as Record<string, unknown>;
      expect(plist).toMatchObject({ adjustmentFormatIdentifier: 'com.apple.photo', adjustmentEditorBundleID: 'com.apple.mobileslideshow', adjustmentBaseVersion: 0 });
      expect(plist.adjustmentTimestamp).toBeInstanceOf(Date);
      const adjustments = JSON.parse(inflateRawSync(plist.adjustmentData as Buffer).toString('utf8')) as { adjustments: { identifier: string }[] };
      expect(adjustments.adjustments.map((adjustment) => adjustment.identifier)).toContain('Crop');
    }
  });
});
