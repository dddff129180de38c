import { describeContent, type GeneratedContent } from './content/content-spec';
import { MIN_GENERATED_JPEG_BYTES } from './content/jpeg-content';
import type { PhotoAsset } from './content/sqlite-content';
import { MOBILE_UID, type GeneratedFile } from './generated-file';
import { SeededRandom } from './seeded-random';

/**
 * Camera Roll layout (protocol.md §4.5, §5.8): DCF folders `100APPLE`, `101APPLE`… of 1000 items
 * each, `IMG_nnnn.JPG` photos, `.MOV` videos, `.PNG` screenshots and `.AAE` edit sidecars, in
 * CameraRollDomain under `Media/DCIM/`.
 */
export const CAMERA_ROLL_DOMAIN = 'CameraRollDomain';
export const ITEMS_PER_DCIM_FOLDER = 1000;
export const CAMERA_MODEL = 'iPhone 13';

export type CameraItemType = 'photo' | 'video' | 'screenshot';

export interface CameraItem {
  readonly number: number;
  readonly type: CameraItemType;
  readonly takenAt: number;
  readonly size: number;
  readonly edited: boolean;
}

export function dcimFolder(number: number): string {
  return `${100 + Math.floor((number - 1) / ITEMS_PER_DCIM_FOLDER)}APPLE`;
}

function extensionOf(type: CameraItemType): string {
  return type === 'photo' ? 'JPG' : type === 'video' ? 'MOV' : 'PNG';
}

export function cameraItemName(item: Pick<CameraItem, 'number' | 'type'>): string {
  return `IMG_${String(item.number).padStart(4, '0')}.${extensionOf(item.type)}`;
}

export function cameraItemPath(item: Pick<CameraItem, 'number' | 'type'>): string {
  return `Media/DCIM/${dcimFolder(item.number)}/${cameraItemName(item)}`;
}

function pictureSize(number: number): { width: number; height: number } {
  return number % 3 === 0 ? { width: 120, height: 160 } : { width: 160, height: 120 };
}

/** The files one camera item consists of: the original, and for edited photos an .AAE sidecar. */
export function cameraItemFiles(seed: number | string, item: CameraItem): GeneratedFile[] {
  const path = cameraItemPath(item);
  const key = `${seed}|${CAMERA_ROLL_DOMAIN}|${path}|1`;
  let content: GeneratedContent;
  if (item.type === 'photo') {
    content = describeContent('jpeg', key, { takenAt: item.takenAt, model: CAMERA_MODEL, ...pictureSize(item.number) }, Math.max(MIN_GENERATED_JPEG_BYTES, item.size));
  } else if (item.type === 'video') {
    content = describeContent('movie', key, {}, item.size);
  } else {
    content = describeContent('png', key, { width: 390, height: 844 });
  }
  const base = { domain: CAMERA_ROLL_DOMAIN, kind: 'file' as const, uid: MOBILE_UID, mtime: item.takenAt, birth: item.takenAt, protectionClass: 3 };
  const files: GeneratedFile[] = [{ ...base, relativePath: path, content }];
  if (item.edited) {
    const aaePath = path.replace(/\.[A-Z]+$/, '.AAE');
    const editedAt = item.takenAt + 3600;
    files.push({ ...base, relativePath: aaePath, mtime: editedAt, birth: editedAt, content: describeContent('aae', `${seed}|${CAMERA_ROLL_DOMAIN}|${aaePath}|1`, {}) });
  }
  return files;
}

/** Plans `count`-many items numbered from `firstNumber`, dated in order between `from` and `to`. */
export function planCameraItems(
  random: SeededRandom,
  counts: { photos: number; videos: number; screenshots: number },
  sizes: { photo: readonly [number, number]; video: readonly [number, number] },
  firstNumber: number,
  from: number,
  to: number,
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
  // The roll starts with a photo, so IMG_0001.JPG is always there for tests and demos.
  const firstPhoto = types.indexOf('photo');
  if (firstPhoto > 0) [types[0], types[firstPhoto]] = [types[firstPhoto] as CameraItemType, types[0] as CameraItemType];
  const times = types.map(() => random.int(from, to)).sort((a, b) => a - b);
  return types.map((type, index) => ({
    number: firstNumber + index,
    type,
    takenAt: times[index] ?? from,
    size: type === 'photo' ? random.int(sizes.photo[0], sizes.photo[1]) : type === 'video' ? random.int(sizes.video[0], sizes.video[1]) : 0,
    edited: type === 'photo' && random.chance(0.08),
  }));
}

export function photoAssetOf(seed: number | string, item: CameraItem): PhotoAsset {
  const random = new SeededRandom(seed, 'asset', item.number);
  const size = item.type === 'screenshot' ? { width: 390, height: 844 } : pictureSize(item.number);
  return {
    directory: `DCIM/${dcimFolder(item.number)}`,
    filename: cameraItemName(item),
    takenAt: item.takenAt,
    kind: item.type === 'video' ? 1 : 0,
    ...size,
    uuid: random.uuid(),
    // The bytes cameraItemFiles gives the original (screenshots' PNG size is only known once drawn).
    ...(item.type === 'photo' ? { fileSize: Math.max(MIN_GENERATED_JPEG_BYTES, item.size) } : item.type === 'video' ? { fileSize: item.size } : {}),
  };
}
