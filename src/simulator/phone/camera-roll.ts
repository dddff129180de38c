import { describeContent, type GeneratedContent } from './content/content-spec';
import { heicSize } from './content/heic-content';
import { MIN_GENERATED_JPEG_BYTES } from './content/jpeg-content';
import { MIN_GENERATED_MOVIE_BYTES } from './content/quicktime-content';
import type { PhotoAsset } from './content/sqlite-content';
import { MOBILE_UID, type GeneratedFile } from './generated-file';
import { SeededRandom } from './seeded-random';

/**
 * Camera Roll layout (protocol.md §4.5, protocol-notes.md "Camera Roll"): DCF folders `100APPLE`,
 * `101APPLE`… of 1000 numbers each, in CameraRollDomain under `Media/DCIM/`. One capture number per
 * item: `IMG_0001.HEIC` (older photos `.JPG`), a Live Photo's video half `IMG_0001.MOV` beside its
 * still, an edited photo's render `IMG_E0001.HEIC` (and `IMG_E0001.MOV` for a Live Photo) with the
 * edit itself in `IMG_0001.AAE`, screenshots `IMG_0002.PNG`, HEVC videos `IMG_0003.MOV`.
 */
export const CAMERA_ROLL_DOMAIN = 'CameraRollDomain';
export const ITEMS_PER_DCIM_FOLDER = 1000;
export const CAMERA_MODEL = 'iPhone 13';

export type CameraItemType = 'photo' | 'video' | 'screenshot';
export type PhotoFormat = 'jpeg' | 'heic';

export interface CameraItem {
  readonly number: number;
  readonly type: CameraItemType;
  readonly takenAt: number;
  /** Bytes of the original (the still for a Live Photo). */
  readonly size: number;
  /** Edited in Photos: an `IMG_E…` render and an `.AAE` sidecar beside the original. */
  readonly edited: boolean;
  /** Photos only; JPEG before the phone shot HEIC ("Most Compatible", or an older phone's roll). */
  readonly format?: PhotoFormat;
  /** Bytes of a Live Photo's video half; undefined for anything that is not a Live Photo. */
  readonly liveBytes?: number;
}

/** How a planned roll is shot: what share of photos are older JPEGs, Live Photos, edited. */
export interface RollShape {
  readonly jpegShare: number;
  readonly liveShare: number;
  readonly liveBytes: readonly [number, number];
  readonly editedShare: number;
  /** Spread the roll over this many DCIM folders (numbers skipped in between were imported and deleted). */
  readonly folders: number;
}

export const DEFAULT_ROLL_SHAPE: RollShape = { jpegShare: 0.3, liveShare: 0.4, liveBytes: [30_000, 90_000], editedShare: 0.08, folders: 1 };

export function dcimFolder(number: number): string {
  return `${100 + Math.floor((number - 1) / ITEMS_PER_DCIM_FOLDER)}APPLE`;
}

const numberText = (number: number): string => String(number).padStart(4, '0');

function extensionOf(item: Pick<CameraItem, 'type' | 'format'>): string {
  if (item.type === 'video') return 'MOV';
  if (item.type === 'screenshot') return 'PNG';
  return item.format === 'jpeg' ? 'JPG' : 'HEIC';
}

/** The original's name: `IMG_0001.HEIC`. */
export function cameraItemName(item: Pick<CameraItem, 'number' | 'type' | 'format'>): string {
  return `IMG_${numberText(item.number)}.${extensionOf(item)}`;
}

export function cameraItemPath(item: Pick<CameraItem, 'number' | 'type' | 'format'>): string {
  return `Media/DCIM/${dcimFolder(item.number)}/${cameraItemName(item)}`;
}

function pictureSize(item: Pick<CameraItem, 'number' | 'type'>): { width: number; height: number } {
  if (item.type === 'screenshot') return { width: 390, height: 844 };
  if (item.type === 'video') return { width: 1920, height: 1080 };
  return item.number % 3 === 0 ? { width: 120, height: 160 } : { width: 160, height: 120 };
}

/** A video's length from its size (HEVC 1080p is about 0.4 MB a second at these sizes). */
function videoSeconds(item: CameraItem): number {
  return Math.max(1, Math.round(item.size / 400_000));
}

/**
 * The identifier that pairs a Live Photo's still and video (QuickTime
 * `com.apple.quicktime.content.identifier`, the still's Apple MakerNote tag 0x0011, Photos.sqlite `ZMEDIAGROUPUUID`). Derived from what the
 * files themselves keep (number and date), so a roll read back from a phone gives the same one.
 */
export function liveIdentifierOf(item: Pick<CameraItem, 'number' | 'takenAt'>): string {
  return new SeededRandom('live-photo', item.number, item.takenAt).uuid();
}

function stillContent(key: string, item: CameraItem, takenAt: number): GeneratedContent {
  const params = { takenAt, ...pictureSize(item) };
  // A Live Photo's still (and its edited render) names its movie's identifier in Apple's MakerNote.
  const heicParams: Record<string, string | number> = item.liveBytes === undefined ? params : { ...params, contentIdentifier: liveIdentifierOf(item) };
  return item.format === 'jpeg'
    ? describeContent('jpeg', key, { ...params, model: CAMERA_MODEL }, Math.max(MIN_GENERATED_JPEG_BYTES, item.size))
    : describeContent('heic', key, heicParams, heicSize(item.size));
}

function liveContent(key: string, item: CameraItem): GeneratedContent {
  return describeContent('quicktime', key, { takenAt: item.takenAt, width: 1440, height: 1080, durationSeconds: 3, contentIdentifier: liveIdentifierOf(item) },
    Math.max(MIN_GENERATED_MOVIE_BYTES, item.liveBytes ?? 0));
}

/** The size of the original the roll's files give an item (what Photos.sqlite records). */
export function originalSize(item: CameraItem): number | undefined {
  if (item.type === 'photo') return item.format === 'jpeg' ? Math.max(MIN_GENERATED_JPEG_BYTES, item.size) : heicSize(item.size);
  return item.type === 'video' ? Math.max(MIN_GENERATED_MOVIE_BYTES, item.size) : undefined;
}

/** The files one camera item consists of: the original, a Live Photo's video, an edit's render and sidecar. */
export function cameraItemFiles(seed: number | string, item: CameraItem): GeneratedFile[] {
  const path = cameraItemPath(item);
  const folder = path.slice(0, path.lastIndexOf('/') + 1);
  const keyOf = (relativePath: string): string => `${seed}|${CAMERA_ROLL_DOMAIN}|${relativePath}|1`;
  let content: GeneratedContent;
  if (item.type === 'photo') {
    content = stillContent(keyOf(path), item, item.takenAt);
  } else if (item.type === 'video') {
    content = describeContent('quicktime', keyOf(path), { takenAt: item.takenAt, ...pictureSize(item), durationSeconds: videoSeconds(item) }, Math.max(MIN_GENERATED_MOVIE_BYTES, item.size));
  } else {
    content = describeContent('png', keyOf(path), pictureSize(item));
  }
  const base = { domain: CAMERA_ROLL_DOMAIN, kind: 'file' as const, uid: MOBILE_UID, mtime: item.takenAt, birth: item.takenAt, protectionClass: 3 };
  const files: GeneratedFile[] = [{ ...base, relativePath: path, content }];
  const livePath = `${folder}IMG_${numberText(item.number)}.MOV`;
  if (item.liveBytes !== undefined) files.push({ ...base, relativePath: livePath, content: liveContent(keyOf(livePath), item) });
  if (item.edited && item.type === 'photo') {
    const editedAt = item.takenAt + 3600;
    const edit = { ...base, mtime: editedAt, birth: editedAt };
    const renderPath = `${folder}IMG_E${numberText(item.number)}.${extensionOf(item)}`;
    // The render keeps the original's capture date in its EXIF; only the file is newer.
    files.push({ ...edit, relativePath: renderPath, content: stillContent(keyOf(renderPath), item, item.takenAt) });
    if (item.liveBytes !== undefined) {
      const liveRenderPath = `${folder}IMG_E${numberText(item.number)}.MOV`;
      files.push({ ...edit, relativePath: liveRenderPath, content: liveContent(keyOf(liveRenderPath), item) });
    }
    const aaePath = `${folder}IMG_${numberText(item.number)}.AAE`;
    files.push({ ...edit, relativePath: aaePath, content: describeContent('aae', keyOf(aaePath), { editedAt, ...pictureSize(item) }) });
  }
  return files;
}

/** Plans the items numbered from `firstNumber`, dated in order between `from` and `to`. */
export function planCameraItems(
  random: SeededRandom,
  counts: { photos: number; videos: number; screenshots: number },
  sizes: { photo: readonly [number, number]; video: readonly [number, number] },
  firstNumber: number,
  from: number,
  to: number,
  shape: RollShape = DEFAULT_ROLL_SHAPE,
): CameraItem[] {
  const types: CameraItemType[] = [
    ...Array<CameraItemType>(counts.photos).fill('photo'),
    ...Array<CameraItemType>(counts.videos).fill('video'),
    ...Array<CameraItemType>(counts.screenshots).fill('screenshot'),
  ];
  // Shuffle so videos and screenshots sit between photos, as on a real roll.
  for (let i = types.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [types[i], types[j]] = [types[j] as CameraItemType, types[i] as CameraItemType];
  }
  // The roll starts with a photo, so IMG_0001 is always there for tests and demos.
  const firstPhoto = types.indexOf('photo');
  if (firstPhoto > 0) [types[0], types[firstPhoto]] = [types[firstPhoto] as CameraItemType, types[0] as CameraItemType];
  const times = types.map(() => random.int(from, to)).sort((a, b) => a - b);
  const jpegPhotos = Math.round(counts.photos * shape.jpegShare);
  const perFolder = Math.ceil(types.length / Math.max(1, shape.folders));
  let photosSoFar = 0;
  const items = types.map((type, index): CameraItem => {
    // Older photos are JPEG, newer HEIC: the roll switched format once, as a phone's does.
    const format: PhotoFormat | undefined = type === 'photo' ? (photosSoFar++ < jpegPhotos ? 'jpeg' : 'heic') : undefined;
    const run = Math.floor(index / perFolder);
    const item: CameraItem = {
      number: firstNumber + run * ITEMS_PER_DCIM_FOLDER + (index - run * perFolder),
      type,
      takenAt: times[index] ?? from,
      size: type === 'photo' ? random.int(sizes.photo[0], sizes.photo[1]) : type === 'video' ? random.int(sizes.video[0], sizes.video[1]) : 0,
      edited: type === 'photo' && random.chance(shape.editedShare),
      ...(format === undefined ? {} : { format }),
    };
    return format === 'heic' && random.chance(shape.liveShare) ? { ...item, liveBytes: random.int(shape.liveBytes[0], shape.liveBytes[1]) } : item;
  });
  return withEveryKind(items, shape, random);
}

/**
 * A roll whose shape asks for Live Photos or edits holds at least one of each, however the dice
 * fell, so even the 20-photo test phone exercises pairs and sidecars: the newest HEIC still
 * becomes a Live Photo, the one before it edited.
 */
function withEveryKind(items: CameraItem[], shape: RollShape, random: SeededRandom): CameraItem[] {
  const stills = items.flatMap((item, index) => (item.format === 'heic' ? [index] : []));
  const newest = stills.at(-1);
  if (shape.liveShare > 0 && newest !== undefined && !items.some((item) => item.liveBytes !== undefined)) {
    items[newest] = { ...(items[newest] as CameraItem), liveBytes: random.int(shape.liveBytes[0], shape.liveBytes[1]) };
  }
  const beforeIt = stills.at(-2) ?? newest;
  if (shape.editedShare > 0 && beforeIt !== undefined && !items.some((item) => item.edited)) {
    items[beforeIt] = { ...(items[beforeIt] as CameraItem), edited: true };
  }
  return items;
}

/** The Photos.sqlite row of an item: one asset per capture, a Live Photo's video included in it. */
export function photoAssetOf(seed: number | string, item: CameraItem): PhotoAsset {
  const random = new SeededRandom(seed, 'asset', item.number);
  const fileSize = originalSize(item);
  return {
    directory: `DCIM/${dcimFolder(item.number)}`,
    filename: cameraItemName(item),
    takenAt: item.takenAt,
    kind: item.type === 'video' ? 1 : 0,
    ...pictureSize(item),
    uuid: random.uuid(),
    // Screenshots' PNG size is only known once drawn.
    ...(fileSize === undefined ? {} : { fileSize }),
    ...(item.type === 'video' ? { durationSeconds: videoSeconds(item) } : {}),
    ...(item.liveBytes !== undefined ? { liveIdentifier: liveIdentifierOf(item) } : {}),
    edited: item.edited && item.type === 'photo',
  };
}

/** The roll's items read back from its files (after changes), so Photos.sqlite can be rebuilt. */
export function itemsOfRoll(files: readonly { relativePath: string; size: number; birth: number }[]): CameraItem[] {
  const byNumber = new Map<number, Map<string, { size: number; birth: number }>>();
  for (const file of files) {
    const match = /\/IMG_(E?)(\d{4})\.([A-Z]+)$/i.exec(file.relativePath);
    if (!match) continue;
    const number = Number(match[2]);
    const parts = byNumber.get(number) ?? new Map<string, { size: number; birth: number }>();
    parts.set(`${match[1]?.toUpperCase() ?? ''}${match[3]?.toUpperCase() ?? ''}`, { size: file.size, birth: file.birth });
    byNumber.set(number, parts);
  }
  const items: CameraItem[] = [];
  for (const [number, parts] of byNumber) {
    const still = parts.get('HEIC') ?? parts.get('JPG');
    const edited = parts.has('AAE') && (parts.has('EHEIC') || parts.has('EJPG'));
    if (still) {
      const live = parts.has('HEIC') ? parts.get('MOV') : undefined;
      items.push({ number, type: 'photo', format: parts.has('HEIC') ? 'heic' : 'jpeg', takenAt: still.birth, size: still.size, edited, ...(live ? { liveBytes: live.size } : {}) });
    } else if (parts.get('MOV')) {
      const video = parts.get('MOV')!;
      items.push({ number, type: 'video', takenAt: video.birth, size: video.size, edited: false });
    } else if (parts.get('PNG')) {
      items.push({ number, type: 'screenshot', takenAt: parts.get('PNG')!.birth, size: 0, edited: false });
    }
  }
  return items.sort((a, b) => a.number - b.number);
}
