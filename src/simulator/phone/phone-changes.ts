import { CAMERA_ROLL_DOMAIN, cameraItemFiles, itemsOfRoll, photoAssetOf, planCameraItems, type CameraItem, type RollShape } from './camera-roll';
import { buildPreferencePlist } from './content/preference-plists';
import { buildPhotosDatabase } from './content/sqlite-content';
import { generatedSource } from './content/content-spec';
import { isSyncHousekeeping } from './phone-compare';
import type { GeneratedFile } from './generated-file';
import type { Phone, PhoneEntry } from './phone-model';
import { pseudoRandomBytes, SeededRandom } from './seeded-random';

/**
 * Changes a phone between two backups, the way a person would: new photos, edited documents and
 * preferences, deleted files. Deterministic for a given seed and `now`, so incremental-backup
 * tests know exactly what changed.
 */
export interface PhoneChangeOptions {
  readonly seed: number;
  readonly addPhotos?: number;
  readonly modifyFiles?: number;
  readonly deleteFiles?: number;
  /**
   * Size range of added photos in bytes; default 40–160 KB. The photo-import benchmark grows a
   * Camera Roll to 5,000 photos of a real camera's 1.5–4 MB.
   */
  readonly photoBytes?: readonly [number, number];
  /** How added photos are shot; default plain HEIC stills (no Live Photos, no edits). */
  readonly rollShape?: Partial<RollShape>;
  /** Unix seconds used for new and modified files; defaults to the current time. */
  readonly now?: number;
}

export interface PhoneChangeSummary {
  readonly added: readonly string[];
  readonly modified: readonly string[];
  readonly deleted: readonly string[];
}

const DEFAULT_ADDED_PHOTO_BYTES: readonly [number, number] = [40_000, 160_000];
const ADDED_PHOTOS_SHAPE: RollShape = { jpegShare: 0, liveShare: 0, liveBytes: [30_000, 90_000], editedShare: 0, folders: 1 };

/** Files too big to rewrite in memory are left alone by `modifyFiles`. */
const MAX_MODIFIED_BYTES = 1024 * 1024;

interface GeneratedWriter {
  putGenerated(file: GeneratedFile): PhoneEntry;
}

function canPutGenerated(phone: Phone): phone is Phone & GeneratedWriter {
  return typeof (phone as Partial<GeneratedWriter>).putGenerated === 'function';
}

const label = (entry: Pick<PhoneEntry, 'domain' | 'relativePath'>): string => `${entry.domain}/${entry.relativePath}`;

function isUserFile(entry: PhoneEntry): boolean {
  return entry.kind === 'file' && !isSyncHousekeeping(entry) && entry.relativePath !== 'Media/PhotoData/Photos.sqlite' &&
    !['SystemPreferencesDomain', 'KeychainDomain', 'WirelessDomain', 'RootDomain'].includes(entry.domain);
}

function pickSome<T>(random: SeededRandom, items: T[], count: number): T[] {
  const picked: T[] = [];
  for (let i = 0; i < Math.min(count, items.length); i++) {
    const j = random.int(i, items.length - 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
    picked.push(items[i] as T);
  }
  return picked;
}

export async function changePhone(phone: Phone, options: PhoneChangeOptions): Promise<PhoneChangeSummary> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const random = new SeededRandom(options.seed, 'changes');
  const candidates = [...phone.entries()].filter(isUserFile);
  const deleted = pickSome(random, candidates.filter((e) => !e.relativePath.startsWith('Media/DCIM/')), options.deleteFiles ?? 0);
  for (const entry of deleted) phone.removeEntry(entry.domain, entry.relativePath);
  const gone = new Set(deleted.map(label));
  const modifiable = candidates.filter((e) => !gone.has(label(e)) && e.size <= MAX_MODIFIED_BYTES && !e.relativePath.startsWith('Media/DCIM/') && !e.relativePath.endsWith('.sqlite') && !e.relativePath.endsWith('.db'));
  const modified = pickSome(random, modifiable, options.modifyFiles ?? 0);
  for (const entry of modified) {
    const key = `${options.seed}|change|${label(entry)}|${now}`;
    const bytes = entry.relativePath.endsWith('.plist')
      ? buildPreferencePlist(key, entry.relativePath.split('/').pop() ?? 'prefs')
      : pseudoRandomBytes(key, 0, Math.max(1, entry.size + random.int(-64, 512)));
    const { inode: _inode, size: _size, ...input } = entry;
    await phone.writeFile({ ...input, mtime: now, ctime: now }, bytes);
  }
  const shape = { ...ADDED_PHOTOS_SHAPE, ...options.rollShape };
  const added = await addPhotos(phone, options.seed, options.addPhotos ?? 0, now, options.photoBytes ?? DEFAULT_ADDED_PHOTO_BYTES, shape);
  return { added, modified: modified.map(label), deleted: deleted.map(label) };
}

async function addPhotos(phone: Phone, seed: number, count: number, now: number, photoBytes: readonly [number, number], shape: RollShape): Promise<string[]> {
  if (count <= 0) return [];
  const existing = itemsOfRoll([...phone.entries()].filter((e) => e.domain === CAMERA_ROLL_DOMAIN && /^Media\/DCIM\/\d{3}APPLE\/IMG_E?\d{4}\.[A-Z]+$/.test(e.relativePath)));
  const lastNumber = existing.reduce((max, item) => Math.max(max, item.number), 0);
  const items = planCameraItems(new SeededRandom(seed, 'new-photos', now), { photos: count, videos: 0, screenshots: 0 },
    { photo: photoBytes, video: [0, 0] }, lastNumber + 1, now - 86_400, now, shape);
  const added: string[] = [];
  for (const item of items) {
    for (const file of cameraItemFiles(`${seed}|${now}`, item)) {
      await writeGenerated(phone, file);
      added.push(label(file));
    }
  }
  await rewritePhotosDatabase(phone, [...existing, ...items], seed, now);
  return added;
}

async function writeGenerated(phone: Phone, file: GeneratedFile): Promise<void> {
  if (canPutGenerated(phone)) {
    phone.putGenerated(file);
    return;
  }
  const content = file.content === undefined ? Buffer.alloc(0) : Buffer.isBuffer(file.content) ? file.content : generatedSource(file.content).readAt(0, file.content.size);
  await phone.writeFile({ domain: file.domain, relativePath: file.relativePath, kind: 'file', mode: 0o100644, uid: file.uid, gid: file.uid, mtime: file.mtime, ctime: file.mtime, birth: file.birth, protectionClass: file.protectionClass }, content);
}

/** Photos.sqlite lists every asset of the roll, so it changes whenever photos are added. */
async function rewritePhotosDatabase(phone: Phone, items: readonly CameraItem[], seed: number, now: number): Promise<void> {
  const path = 'Media/PhotoData/Photos.sqlite';
  const previous = phone.entry(CAMERA_ROLL_DOMAIN, path);
  const sorted = [...items].sort((a, b) => a.number - b.number);
  await phone.writeFile({
    domain: CAMERA_ROLL_DOMAIN, relativePath: path, kind: 'file', mode: 0o100644, uid: previous?.uid ?? 501, gid: previous?.gid ?? 501,
    mtime: now, ctime: now, birth: previous?.birth ?? now, protectionClass: previous?.protectionClass ?? 3,
  }, buildPhotosDatabase(sorted.map((item) => photoAssetOf(seed, item))));
}
