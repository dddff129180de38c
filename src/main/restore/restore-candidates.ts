import { connectDevice } from '../device/lockdown';
import { AfcClient } from '../device/services';
import { openCatalog, type BackupRecord } from '../backup/catalog';
import { resolveBackupRoot } from '../backup/store';
import { listDcimPaths } from '../photos';
import { countCameraRollItems } from '../../shared/camera-roll-items';

/**
 * "The restore after a reset" (issue 5): someone erased their iPhone and finds the photos gone.
 *
 * Heuristic, documented here because it is a guess: a phone looks freshly erased (as far as its
 * photos go) when its Camera Roll over AFC (`/DCIM`, protocol.md §4.5) holds at most
 * FACTORY_PHOTO_LIMIT photos and videos while a backup of the same phone on this computer holds
 * more than it does. A new phone takes a few pictures in its first minutes, hence a small limit
 * rather than zero; a phone that simply never had photos has no backup with photos, so it is not
 * flagged. The phone's photos and videos are all counted, as photo import and the catalog count
 * them (src/shared/camera-roll-items.ts: a Live Photo once, edits and `.AAE` sidecars not at all),
 * so "more photos in the backup than on the phone" compares like with like, and a restored phone
 * whose photos are back is no longer offered the backup again.
 */
export const FACTORY_PHOTO_LIMIT = 5;

export interface RestoreCandidate {
  readonly id: string;
  readonly path: string;
  readonly location: BackupRecord['location'];
  readonly createdAt: string | undefined;
  /** Camera Roll photos and videos in the backup; undefined for an encrypted backup not yet unlocked. */
  readonly photoCount: number | undefined;
  readonly encrypted: boolean;
  readonly archived: boolean;
}

export interface CandidateOptions {
  readonly backupRoot?: string;
  readonly extraFolders?: readonly string[];
  /** The backup folder is not there (a disk unplugged) or not answering: neither made nor read (CatalogOptions). */
  readonly rootUnavailable?: boolean;
}

/**
 * Backups of `udid` that hold its Camera Roll, newest first, with their photo counts (from the
 * catalog). Encrypted backups whose count is unknown are listed too: they may hold the photos.
 * Incomplete or damaged backups are left out: they cannot be restored.
 */
export async function findRestoreCandidates(udid: string, options: CandidateOptions = {}): Promise<RestoreCandidate[]> {
  return [...(await readPhoneBackups(udid, options)).candidates];
}

interface PhoneBackups {
  readonly candidates: readonly RestoreCandidate[];
  /** The newest complete backup of the phone, photos or not. */
  readonly newest: BackupRecord | undefined;
}

async function readPhoneBackups(udid: string, options: CandidateOptions): Promise<PhoneBackups> {
  // Only read: a backup folder gone since the app looked (its disk unplugged) is not made again.
  const catalog = openCatalog(resolveBackupRoot(options.backupRoot), { extraFolders: options.extraFolders, rootUnavailable: options.rootUnavailable === true, createRoot: false });
  try {
    await catalog.refresh();
    const complete = [...catalog.list({ udid, status: 'complete' })].sort(newestFirst);
    const candidates = complete
      .filter((record) => record.includesCameraRoll !== false && (record.photoCount === undefined ? record.encrypted : record.photoCount > 0))
      .map((record) => ({
        id: record.id,
        path: record.path,
        location: record.location,
        createdAt: record.createdAt,
        photoCount: record.photoCount,
        encrypted: record.encrypted,
        archived: record.archived,
      }));
    return { candidates, newest: complete[0] };
  } finally {
    catalog.close();
  }
}

/** Newest first by date; a backup that does not say when it was made goes last. */
function newestFirst(a: { readonly createdAt?: string }, b: { readonly createdAt?: string }): number {
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
}

export interface ErasedPhoneAssessment {
  readonly udid: string;
  /** Photos and videos under /DCIM now, counted as the catalog counts a backup's (camera-roll-items.ts). */
  readonly photosOnPhone: number;
  /** True when the phone's Camera Roll is (nearly) empty and a backup here has more photos. */
  readonly looksErased: boolean;
  readonly candidates: readonly RestoreCandidate[];
  /** The backup to offer: the newest that holds more photos than the phone has now (see recommendBackup). */
  readonly recommendedId: string | undefined;
  /** iCloud Photos is most likely on: see photosKeptInICloud. */
  readonly photosInICloud: boolean;
  /** The backup that says so (the newest), when it does: the only one known to lack the photos for that reason. */
  readonly photosInICloudBackupId: string | undefined;
}

/**
 * The backup to restore after a reset: the newest complete one that holds more photos than the
 * phone has now. Backups made after the reset hold the same few photos as the phone, so they are
 * passed over; an encrypted one whose count is not known yet may hold them, so it counts. Issue 12
 * saw the oldest backup recommended over five newer ones; the newest with the photos is what a
 * person means by "my backup".
 */
export function recommendBackup(candidates: readonly RestoreCandidate[], photosOnPhone: number): RestoreCandidate | undefined {
  return [...candidates].sort(newestFirst).find((candidate) => candidate.photoCount === undefined || candidate.photoCount > photosOnPhone);
}

/**
 * iCloud Photos keeps the photo library out of computer backups (docs/protocol-notes.md), the usual
 * reason for "my photos were not restored". No lockdown value is known to say whether it is on, so
 * it is inferred: the newest backup, made with the Camera Roll included, holds no photos while the
 * phone's Camera Roll has some. An encrypted backup not yet unlocked says nothing either way.
 */
export function photosKeptInICloud(newest: Pick<BackupRecord, 'includesCameraRoll' | 'photoCount'> | undefined, photosOnPhone: number): boolean {
  return newest !== undefined && photosOnPhone > 0 && newest.includesCameraRoll !== false && newest.photoCount === 0;
}

/** Looks at the phone's Camera Roll over AFC and at the backups of it; see the heuristics above. */
export async function assessErasedPhone(udid: string | undefined, options: CandidateOptions & { readonly muxAddress?: string } = {}): Promise<ErasedPhoneAssessment> {
  const connection = await connectDevice(udid, { muxAddress: options.muxAddress });
  let photosOnPhone = 0;
  const phoneUdid = connection.device.udid;
  try {
    const channel = await connection.session.startService(AfcClient.SERVICE_NAME);
    try {
      const roll = countCameraRollItems(await listDcimPaths(new AfcClient(channel, 30_000)));
      photosOnPhone = roll.photos + roll.videos;
    } finally {
      channel.close();
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  const { candidates, newest } = await readPhoneBackups(phoneUdid, options);
  const looksErased = photosOnPhone <= FACTORY_PHOTO_LIMIT && candidates.some((candidate) => (candidate.photoCount ?? 0) > photosOnPhone || candidate.photoCount === undefined);
  return {
    udid: phoneUdid,
    photosOnPhone,
    looksErased,
    candidates,
    recommendedId: recommendBackup(candidates, photosOnPhone)?.id,
    photosInICloud: photosKeptInICloud(newest, photosOnPhone),
    photosInICloudBackupId: photosKeptInICloud(newest, photosOnPhone) ? newest?.id : undefined,
  };
}
