import type { PhotoRow } from '../../shared/contract-library';
import type { BackupBrowser } from '../browser';
import { appleDate, type AppDatabase, numberOf, openAppDatabase, textOf } from './app-database';
import { KNOWN_FILES, mediaRef } from './library-files';

/**
 * The Camera Roll of a backup, newest first: one ZASSET row of CameraRollDomain
 * `Media/PhotoData/Photos.sqlite` per item (ZDIRECTORY + ZFILENAME name its file under `Media/`;
 * ZKIND 0 photo, 1 video; ZKINDSUBTYPE 2 Live Photo, 10 screenshot), or, in a backup without that
 * database, the pictures and videos under `Media/DCIM`. A Live Photo is a picture and a `.MOV` of the
 * same name beside it: shown as one item whenever both files are in the backup.
 */
export interface PhotosReader {
  count(): number;
  page(offset: number, limit: number): PhotoRow[];
  /** The rows with these ids (exports), in the order asked. */
  byIds(ids: readonly number[]): PhotoRow[];
  close(): void;
}

const DOMAIN = KNOWN_FILES.photos.domain;
const MEDIA_NAME = /\.(jpe?g|heic|png|gif|mov|mp4|m4v)$/i;
const VIDEO_NAME = /\.(mov|mp4|m4v)$/i;
const LIVE_PHOTO_SUBTYPE = 2;
const SCREENSHOT_SUBTYPE = 10;

interface Item {
  readonly id: number;
  readonly relativePath: string;
  readonly video: boolean;
  readonly subtype: number;
  readonly takenAt?: string;
  readonly width?: number;
  readonly height?: number;
}

/** `Media/DCIM/100APPLE/IMG_0001.JPG` → `Media/DCIM/100APPLE/IMG_0001.MOV` when the backup holds it. */
function livePhotoVideo(browser: BackupBrowser, relativePath: string): string | undefined {
  if (VIDEO_NAME.test(relativePath)) return undefined;
  const base = relativePath.replace(/\.[^./]+$/, '');
  for (const extension of ['.MOV', '.mov']) {
    const entry = browser.entry(DOMAIN, `${base}${extension}`);
    if (entry?.kind === 'file') return `${base}${extension}`;
  }
  return undefined;
}

function toRow(browser: BackupBrowser, item: Item): PhotoRow {
  const motion = livePhotoVideo(browser, item.relativePath);
  const media: PhotoRow['media'] = item.video ? 'video' : motion || item.subtype === LIVE_PHOTO_SUBTYPE ? 'live-photo' : item.subtype === SCREENSHOT_SUBTYPE || /\.png$/i.test(item.relativePath) ? 'screenshot' : 'photo';
  return {
    kind: 'photo',
    id: item.id,
    media,
    ...(item.takenAt ? { takenAt: item.takenAt } : {}),
    ...(item.width ? { width: item.width } : {}),
    ...(item.height ? { height: item.height } : {}),
    file: mediaRef(browser, DOMAIN, item.relativePath),
    ...(motion ? { video: mediaRef(browser, DOMAIN, motion) } : {}),
  };
}

export function openPhotosReader(bytes: Buffer | undefined, browser: BackupBrowser): PhotosReader {
  return bytes ? photosFromDatabase(bytes, browser) : photosFromFiles(browser);
}

function photosFromDatabase(bytes: Buffer, browser: BackupBrowser): PhotosReader {
  const database: AppDatabase = openAppDatabase(bytes, KNOWN_FILES.photos.what, [
    { table: 'ZASSET', columns: ['Z_PK', 'ZDIRECTORY', 'ZFILENAME', 'ZKIND'], optional: ['ZKINDSUBTYPE', 'ZDATECREATED', 'ZWIDTH', 'ZHEIGHT', 'ZTRASHEDSTATE'] },
  ]);
  const column = (name: string, fallback = 'NULL'): string => (database.has('ZASSET', name) ? `a.${name}` : fallback);
  // The video half of a Live Photo is not an asset on a real phone; where a library lists it as
  // one anyway, it is left out here so the pair shows once.
  const shown = `${database.has('ZASSET', 'ZTRASHEDSTATE') ? 'COALESCE(a.ZTRASHEDSTATE, 0) = 0' : '1'}
    AND NOT (a.ZKIND = 1 AND EXISTS (SELECT 1 FROM ZASSET p WHERE p.ZDIRECTORY = a.ZDIRECTORY AND p.ZKIND = 0
      AND p.ZFILENAME LIKE substr(a.ZFILENAME, 1, length(a.ZFILENAME) - 4) || '.%'))`;
  const select = `SELECT a.Z_PK AS id, a.ZDIRECTORY AS directory, a.ZFILENAME AS filename, a.ZKIND AS kind, ${column('ZKINDSUBTYPE', '0')} AS subtype,
      ${column('ZDATECREATED')} AS date, ${column('ZWIDTH')} AS width, ${column('ZHEIGHT')} AS height FROM ZASSET a`;
  type Row = { id: number; directory: unknown; filename: unknown; kind: unknown; subtype: unknown; date: unknown; width: unknown; height: unknown };
  const item = (row: Row): Item | undefined => {
    const directory = textOf(row.directory, 1000);
    const filename = textOf(row.filename, 1000);
    // A name from the database becomes a path in the backup: no way up, no empty parts.
    const relativePath = `Media/${directory}/${filename}`;
    if (!filename || relativePath.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
    const takenAt = appleDate(row.date);
    return { id: row.id, relativePath, video: numberOf(row.kind) === 1, subtype: numberOf(row.subtype), ...(takenAt ? { takenAt } : {}), width: numberOf(row.width), height: numberOf(row.height) };
  };
  const rows = (list: Row[]): PhotoRow[] => list.map(item).filter((value): value is Item => value !== undefined).map((value) => toRow(browser, value));
  return {
    count: () => database.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ZASSET a WHERE ${shown}`)?.n ?? 0,
    page: (offset, limit) => rows(database.all<Row>(`${select} WHERE ${shown} ORDER BY ${column('ZDATECREATED', 'a.Z_PK')} DESC, a.Z_PK DESC LIMIT ? OFFSET ?`, limit, offset)),
    byIds(ids) {
      const found: PhotoRow[] = [];
      for (let start = 0; start < ids.length; start += 500) {
        const chunk = ids.slice(start, start + 500);
        found.push(...rows(database.all<Row>(`${select} WHERE a.Z_PK IN (${chunk.map(() => '?').join(',')})`, ...chunk)));
      }
      const byId = new Map(found.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id)).filter((row): row is PhotoRow => row !== undefined);
    },
    close: () => database.close(),
  };
}

/** No Photos.sqlite: the DCIM files, newest first, the `.MOV` of a Live Photo folded into its picture. */
function photosFromFiles(browser: BackupBrowser): PhotosReader {
  const files = [...browser.under(DOMAIN, 'Media/DCIM')].filter((entry) => entry.kind === 'file' && MEDIA_NAME.test(entry.relativePath));
  const pictures = new Set(files.filter((entry) => !VIDEO_NAME.test(entry.relativePath)).map((entry) => entry.relativePath.replace(/\.[^./]+$/, '').toLowerCase()));
  const items: Item[] = files
    .filter((entry) => !(VIDEO_NAME.test(entry.relativePath) && pictures.has(entry.relativePath.replace(/\.[^./]+$/, '').toLowerCase())))
    .sort((a, b) => (b.lastModified ?? 0) - (a.lastModified ?? 0) || b.relativePath.localeCompare(a.relativePath))
    .map((entry, index) => ({
      id: index + 1,
      relativePath: entry.relativePath,
      video: VIDEO_NAME.test(entry.relativePath),
      subtype: 0,
      ...(entry.lastModified ? { takenAt: new Date(entry.lastModified * 1000).toISOString() } : {}),
    }));
  return {
    count: () => items.length,
    page: (offset, limit) => items.slice(offset, offset + limit).map((value) => toRow(browser, value)),
    byIds: (ids) => ids.map((id) => items[id - 1]).filter((value): value is Item => value !== undefined).map((value) => toRow(browser, value)),
    close: () => undefined,
  };
}
