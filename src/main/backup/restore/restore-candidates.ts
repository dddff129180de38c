import { connectDevice } from '../../device/lockdown';
import { AfcClient, walkTree } from '../../device/services';
import { openCatalog, type BackupRecord } from '../catalog';
import { resolveBackupRoot } from '../store';

/**
 * "The restore after a reset" (issue 5): someone erased their iPhone and finds the photos gone.
 *
 * Heuristic, documented here because it is a guess: a phone looks freshly erased (as far as its
 * photos go) when its Camera Roll over AFC (`/DCIM`, protocol.md §4.5) holds at most
 * FACTORY_PHOTO_LIMIT files while a backup of the same phone on this computer holds more photos
 * than that. A new phone takes a few pictures in its first minutes, hence a small limit rather than
 * zero; a phone that simply never had photos has no backup with photos, so it is not flagged.
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
}

/**
 * Backups of `udid` that hold its Camera Roll, newest first, with their photo counts (from the
 * catalog). Encrypted backups whose count is unknown are listed too: they may hold the photos.
 * Incomplete or damaged backups are left out: they cannot be restored.
 */
export async function findRestoreCandidates(udid: string, options: CandidateOptions = {}): Promise<RestoreCandidate[]> {
  const catalog = openCatalog(resolveBackupRoot(options.backupRoot), { extraFolders: options.extraFolders });
  try {
    await catalog.refresh();
    return catalog
      .list({ udid, status: 'complete' })
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
  } finally {
    catalog.close();
  }
}

export interface ErasedPhoneAssessment {
  readonly udid: string;
  /** Files under /DCIM now, counted up to FACTORY_PHOTO_LIMIT + 1. */
  readonly photosOnPhone: number;
  /** True when the phone's Camera Roll is (nearly) empty and a backup here has more photos. */
  readonly looksErased: boolean;
  readonly candidates: readonly RestoreCandidate[];
}

/** Looks at the phone's Camera Roll over AFC and at the backups of it; see the heuristic above. */
export async function assessErasedPhone(udid: string | undefined, options: CandidateOptions & { readonly muxAddress?: string } = {}): Promise<ErasedPhoneAssessment> {
  const connection = await connectDevice(udid, { muxAddress: options.muxAddress });
  let photosOnPhone = 0;
  const phoneUdid = connection.device.udid;
  try {
    const channel = await connection.session.startService(AfcClient.SERVICE_NAME);
    try {
      const afc = new AfcClient(channel, 30_000);
      try {
        for await (const item of walkTree(afc, '/DCIM')) {
          if (item.info.type !== 'file') continue;
          photosOnPhone += 1;
          if (photosOnPhone > FACTORY_PHOTO_LIMIT) break;
        }
      } catch {
        // No /DCIM at all: an erased phone before its first photo.
      }
    } finally {
      channel.close();
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  const candidates = await findRestoreCandidates(phoneUdid, options);
  const looksErased = photosOnPhone <= FACTORY_PHOTO_LIMIT && candidates.some((candidate) => (candidate.photoCount ?? 0) > photosOnPhone || candidate.photoCount === undefined);
  return { udid: phoneUdid, photosOnPhone, looksErased, candidates };
}
