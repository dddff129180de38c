/**
 * What a file of an iPhone's Camera Roll is (protocol.md §4.5, protocol-notes.md "Camera Roll"),
 * from its name and its folder's other names: one capture can be several files. `IMG_0001.HEIC`
 * is a photo; `IMG_0001.MOV` beside it is that Live Photo's video half, not a video of its own;
 * `IMG_E0001.HEIC` (and `IMG_E0001.MOV`) is the edited render of photo 1; `IMG_0001.AAE` (or
 * `IMG_O0001.AAE`) holds the edit. Counting "photos" counts captures, never their companions.
 * Pure, so the catalog, the photo import and the renderer's Photos view count alike.
 */
export type CameraRollRole = 'photo' | 'video' | 'live-video' | 'edited-copy' | 'sidecar' | 'other';

const STILL = /\.(heic|heif|jpe?g|png|dng|gif|tiff?|webp)$/i;
const MOVIE = /\.(mov|mp4|m4v|3gp)$/i;
const SIDECAR = /\.(aae|xmp)$/i;
const EDITED = /^IMG_E\d+/i;

function splitName(name: string): { stem: string; extension: string } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { stem: name.slice(0, dot), extension: name.slice(dot + 1) } : { stem: name, extension: '' };
}

/**
 * The name a file's capture is known by in its folder: `IMG_0001` for `IMG_0001.HEIC`,
 * `IMG_0001.MOV`, `IMG_E0001.HEIC`, `IMG_O0001.AAE`; upper-case, since the phone's names are.
 */
export function captureStem(name: string): string {
  return splitName(name).stem.replace(/^IMG_[EO](?=\d)/i, 'IMG_').toUpperCase();
}

/** True for a still's own name (not an edited render): the kind of file a Live Photo's video pairs with. */
function isOriginalStill(name: string): boolean {
  return STILL.test(name) && !EDITED.test(name);
}

/**
 * The role of `name` in a folder whose original stills' capture stems are `stillStems`
 * (see `stillStemsOf`).
 */
export function cameraRollRole(name: string, stillStems: ReadonlySet<string>): CameraRollRole {
  if (SIDECAR.test(name)) return 'sidecar';
  if (EDITED.test(name) && (STILL.test(name) || MOVIE.test(name))) return 'edited-copy';
  if (STILL.test(name)) return 'photo';
  if (MOVIE.test(name)) return stillStems.has(captureStem(name)) ? 'live-video' : 'video';
  return 'other';
}

/** The capture stems of the original stills among one folder's names. */
export function stillStemsOf(names: Iterable<string>): Set<string> {
  const stems = new Set<string>();
  for (const name of names) if (isOriginalStill(name)) stems.add(captureStem(name));
  return stems;
}

export interface CameraRollCounts {
  /** Photos, a Live Photo counted once; screenshots included. */
  readonly photos: number;
  /** Videos of their own (not Live Photos' halves). */
  readonly videos: number;
  /** Of `photos`, those with a video half. */
  readonly livePhotos: number;
  /** Edited renders and edit sidecars: part of their photo, not counted in it. */
  readonly companions: number;
}

/** Counts the captures among DCIM paths (`…/100APPLE/IMG_0001.HEIC`), grouping by folder. */
export function countCameraRollItems(paths: Iterable<string>): CameraRollCounts {
  const byFolder = new Map<string, string[]>();
  for (const path of paths) {
    const slash = path.lastIndexOf('/');
    const folder = path.slice(0, slash + 1);
    const names = byFolder.get(folder) ?? [];
    names.push(path.slice(slash + 1));
    byFolder.set(folder, names);
  }
  let photos = 0;
  let videos = 0;
  let livePhotos = 0;
  let companions = 0;
  for (const names of byFolder.values()) {
    const stills = stillStemsOf(names);
    const liveStems = new Set<string>();
    for (const name of names) {
      const role = cameraRollRole(name, stills);
      if (role === 'photo') photos += 1;
      else if (role === 'video') videos += 1;
      else if (role === 'live-video') liveStems.add(captureStem(name));
      else if (role === 'edited-copy' || role === 'sidecar') companions += 1;
    }
    livePhotos += liveStems.size;
  }
  return { photos, videos, livePhotos, companions };
}
