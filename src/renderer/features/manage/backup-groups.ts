import type { BackupsUsageView, BackupView, DeviceView } from '../../../shared/contract';

/** One phone's backups on this computer, for Manage Backups. */
export interface BackupGroup {
  readonly udid: string;
  readonly name: string;
  readonly model: string | undefined;
  readonly productVersion: string | undefined;
  readonly connected: boolean;
  /** Newest first. */
  readonly backups: readonly BackupView[];
  /**
   * What the phone's backups take on disk, shared files counted once: the core's figure
   * (`BackupsUsageView`), from the files themselves. The rows' sizes cannot be added up: an archive
   * hard-links its backup's files, so a phone with one archive read twice its size. Undefined when
   * the core gave none for exactly these backups (never a guess).
   */
  readonly diskBytes: number | undefined;
}

/** The phone's total from `usage`, when it counted exactly the backups listed. */
function phoneDiskBytes(usage: BackupsUsageView | undefined, udid: string, backups: readonly BackupView[]): number | undefined {
  const counted = usage?.phones.find((phone) => phone.udid === udid);
  if (!counted || counted.backupIds.length !== backups.length) return undefined;
  const ids = new Set(counted.backupIds);
  return backups.every((backup) => ids.has(backup.id)) ? counted.diskBytes : undefined;
}

/** What all the listed backups take on disk, when `usage` counted exactly them (every group has its total). */
export function totalDiskBytes(usage: BackupsUsageView | undefined, groups: readonly BackupGroup[]): number | undefined {
  if (!usage || usage.phones.length !== groups.length || groups.some((group) => group.diskBytes === undefined)) return undefined;
  return usage.totalBytes;
}

/**
 * Every backup grouped by the phone it belongs to (a snapshot counts for its phone), phones plugged
 * in first, then by name. Facts come from the phone when it is known, else from its newest backup,
 * so a phone that was never plugged into this Lifeboat (another tool's backup) still has a name.
 */
export function groupBackups(backups: readonly BackupView[], devices: readonly DeviceView[], usage?: BackupsUsageView): BackupGroup[] {
  const byUdid = new Map<string, BackupView[]>();
  for (const backup of backups) byUdid.set(backup.udid, [...(byUdid.get(backup.udid) ?? []), backup]);
  const groups = [...byUdid].map(([udid, list]): BackupGroup => {
    const sorted = [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const device = devices.find((candidate) => candidate.udid === udid);
    const named = sorted.find((backup) => backup.deviceName);
    return {
      udid,
      name: device?.name ?? named?.deviceName ?? `iPhone ${udid.slice(0, 8)}`,
      model: device?.modelName ?? sorted.find((backup) => backup.modelName)?.modelName ?? device?.productType ?? sorted.find((backup) => backup.productType)?.productType,
      productVersion: device?.productVersion ?? sorted.find((backup) => backup.productVersion)?.productVersion,
      connected: device?.connected === true,
      backups: sorted,
      diskBytes: phoneDiskBytes(usage, udid, sorted),
    };
  });
  return groups.sort((a, b) => Number(b.connected) - Number(a.connected) || a.name.localeCompare(b.name) || a.udid.localeCompare(b.udid));
}

/**
 * What kind of backup a row is, in a word or two: a phone's own folder in the backup folder is its
 * latest. A snapshot is "Earlier backup" to a person (as in the CLI's list and the restore wizard):
 * "snapshot" is this code's word, and read as jargon in Manage Backups.
 */
export function backupKind(backup: BackupView): string {
  if (backup.archived) return 'Archive';
  if (backup.place === 'snapshot') return 'Earlier backup';
  if (backup.place === 'other') return backup.addedSnapshot ? 'Earlier backup, added folder' : 'Added folder';
  return backup.place === 'current' ? 'Latest' : 'Backup';
}

/** The words for one backup in a sentence ("the earlier backup of …"): the kind's badge doubled "backup". */
export function backupNoun(backup: BackupView): string {
  if (backup.archived) return 'archived backup';
  if (backup.place === 'snapshot') return 'earlier backup';
  return backup.place === 'current' ? 'latest backup' : 'backup';
}

/** The state column: complete, incomplete or damaged, as a word. */
export function backupState(backup: BackupView): 'Complete' | 'Incomplete' | 'Damaged' {
  if (backup.damaged) return 'Damaged';
  return backup.status === 'complete' ? 'Complete' : 'Incomplete';
}
