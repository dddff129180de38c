/**
 * What the backup catalog says about each backup it found (issue 4, "History"). Field names follow
 * `BackupView` of the UI contract (src/shared/contract-models.ts) so the core can pass them on.
 */

export type BackupStatus = 'complete' | 'incomplete' | 'damaged';

/**
 * Where a backup was found: `root` = `<root>/<name>` (Lifeboat's current backups, Finder archives,
 * idevicebackup2 folders), `snapshot` = `<root>/.lifeboat/snapshots/<UDID>/<ts>`, `extra` = a
 * folder the person added (read-only to Lifeboat: never deleted from there).
 */
export type BackupLocation = 'root' | 'snapshot' | 'extra';

export interface BackupProblem {
  /** `damaged` = something is unreadable or wrong; `incomplete` = something is missing. */
  readonly severity: 'incomplete' | 'damaged';
  readonly message: string;
}

export interface BackupRecord {
  /** Stable for the life of the folder (derived from its real path). */
  readonly id: string;
  readonly path: string;
  readonly location: BackupLocation;
  /** `lifeboat` when the folder's `.lifeboat.json` sidecar names the Lifeboat version that made it. */
  readonly madeBy: 'lifeboat' | 'other';
  /** UDID of the device; the folder name when the backup's plists do not say. */
  readonly udid: string;
  readonly deviceName?: string;
  /** Marketing name when the backup records one (iTunes' Info.plist `Product Name`). */
  readonly modelName?: string;
  /** e.g. `iPhone14,5`. */
  readonly productType?: string;
  /** iOS version, e.g. `17.5`. */
  readonly productVersion?: string;
  readonly buildVersion?: string;
  /** ISO-8601: Status.plist Date, else Manifest.plist Date, else Info.plist Last Backup Date. */
  readonly createdAt?: string;
  readonly createdAtSource?: 'Status.plist' | 'Manifest.plist' | 'Info.plist';
  /** Bytes on disk, each inode counted once (hard links shared with snapshots are not doubled). */
  readonly sizeBytes: number;
  /** Bytes that deleting this backup alone would free (inodes no other folder links to). */
  readonly reclaimableBytes: number;
  /**
   * Bytes of every file the backup holds, as a restore would put them back: what a person means by
   * the backup's size. A reverse-delta snapshot keeps on disk only what the next backup changed
   * (sizeBytes), so its size is its files read through the chain; any other folder holds them all.
   */
  readonly contentBytes: number;
  readonly encrypted: boolean;
  /** Regular files listed in the manifest; undefined when it cannot be read (encrypted, damaged). */
  readonly fileCount?: number;
  /** Photos and videos under CameraRollDomain `Media/DCIM/`, counted as captures: a Live Photo once, edits and `.AAE` sidecars not (shared/camera-roll-items.ts). */
  readonly photoCount?: number;
  /** Why fileCount/photoCount are missing, as a sentence. */
  readonly countsUnknownReason?: string;
  /** False when Lifeboat's sidecar says the Camera Roll was left out; true when it was kept or photos are listed; else undefined. */
  readonly includesCameraRoll?: boolean;
  /** Bytes of Camera Roll left out, when the engine recorded it. */
  readonly cameraRollBytesSkipped?: number;
  /** For snapshots: the UDID whose history it belongs to. */
  readonly snapshotOf?: string;
  /** A Finder-style archive (`<UDID>-yyyyMMdd-HHmmss`, or marked in the sidecar): later backups never replace it. */
  readonly archived: boolean;
  readonly format: 'manifest-db' | 'manifest-mbdb' | 'unknown';
  /**
   * From the plists and which listed files are present. File sizes are compared only by verify(),
   * which then records its finding here (and sets verifiedAt).
   */
  readonly status: BackupStatus;
  readonly problems: readonly BackupProblem[];
  /** ISO-8601 time the catalog last looked at the folder. */
  readonly checkedAt: string;
  /** ISO-8601 time of the last verify() whose result status/problems hold. */
  readonly verifiedAt?: string;
}

export interface BackupFilter {
  readonly udid?: string;
  readonly status?: BackupStatus;
  readonly location?: BackupLocation;
  readonly encrypted?: boolean;
  readonly archived?: boolean;
}

export interface RefreshResult {
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly removed: number;
}

export interface VerifyFileProblem {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  /** Bytes the content file should have (for encrypted backups, the padded size of §6.5). */
  readonly expectedBytes: number;
  /** Bytes it has; undefined when it is missing. */
  readonly actualBytes?: number;
}

export interface VerifyReport {
  readonly backupId: string;
  readonly ok: boolean;
  readonly checkedFiles: number;
  /** Sentences for a person: one per kind of problem. */
  readonly problems: readonly string[];
  readonly missingCount: number;
  readonly wrongSizeCount: number;
  /** The first problem files (at most VERIFY_EXAMPLE_LIMIT of each kind). */
  readonly missing: readonly VerifyFileProblem[];
  readonly wrongSize: readonly VerifyFileProblem[];
}

export const VERIFY_EXAMPLE_LIMIT = 200;

/** `<backup>/.lifeboat.json`, written by the backup engine (and by archive). */
export interface LifeboatSidecar {
  readonly cameraRollExcluded?: boolean;
  readonly cameraRollBytesSkipped?: number;
  readonly lifeboatVersion?: string;
  readonly snapshotOf?: string;
  /** Set by archive(): the backup folder this one was copied from. */
  readonly archivedFrom?: string;
  readonly archivedAt?: string;
}

export const SIDECAR_FILE = '.lifeboat.json';
