import fs from 'node:fs/promises';
import path from 'node:path';
import { decodePlist, isPlistDict, PLIST_BUDGETS } from '../../device/codec';
import { MAX_METADATA_FILE_BYTES, readRegularFile } from './backup-content';
import { storeLayout } from './store-layout';

/** A complete backup of one device: the current one or an older snapshot. */
export interface BackupSnapshot {
  /** `current` for `<root>/<UDID>`, else the snapshot folder name. */
  readonly id: string;
  readonly path: string;
  /** When that backup was made (Status.plist Date, else Info.plist Last Backup Date, else the folder time). */
  readonly date: Date;
  readonly isCurrent: boolean;
}

/**
 * What history to keep after a successful run. A snapshot stays if it is among the `keepLast`
 * newest, or the newest of its day (UTC) within the last `keepDaily` days that have one, or the
 * newest of its month (UTC) within the last `keepMonthly` calendar months, this one included.
 * Without any limit (`{}`) every snapshot is kept. The current backup is never removed.
 */
export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly keepDaily?: number;
  readonly keepMonthly?: number;
}

/**
 * Lifeboat's default: the last 10 snapshots and one a month for a year. Unchanged files are hard
 * links, so the recent ten cost little; the monthly ones are what a person reaches for after
 * noticing, weeks later, that something was deleted.
 */
export const DEFAULT_RETENTION: RetentionPolicy = { keepLast: 10, keepMonthly: 12 };

/** `20251126-013000` (UTC): sortable, readable, valid on every file system. */
export function snapshotFolderName(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

function dateFromFolderName(name: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(name);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The date a backup folder was made, from its own plists (§5.5 Date, §5.3 Last Backup Date). */
export async function readBackupDate(folder: string): Promise<Date> {
  for (const [file, key] of [['Status.plist', 'Date'], ['Info.plist', 'Last Backup Date']] as const) {
    try {
      const value = decodePlist(await readRegularFile(path.join(folder, file), MAX_METADATA_FILE_BYTES), PLIST_BUDGETS.metadataFile);
      const date = isPlistDict(value) ? value[key] : undefined;
      if (date instanceof Date && !Number.isNaN(date.getTime())) return date;
    } catch {
      // Missing or unreadable: try the next source.
    }
  }
  return (await fs.stat(folder)).mtime;
}

/** Every complete backup of a device, newest first; the current one (if any) comes first. */
export async function listSnapshots(root: string, udid: string): Promise<BackupSnapshot[]> {
  const layout = storeLayout(root);
  const result: BackupSnapshot[] = [];
  const current = layout.current(udid);
  try {
    if ((await fs.stat(current)).isDirectory()) {
      result.push({ id: 'current', path: current, date: await readBackupDate(current), isCurrent: true });
    }
  } catch {
    // No current backup.
  }
  let names: string[] = [];
  try {
    names = await fs.readdir(layout.snapshots(udid));
  } catch {
    // No history yet.
  }
  const older: BackupSnapshot[] = [];
  for (const name of names) {
    const folder = path.join(layout.snapshots(udid), name);
    const date = dateFromFolderName(name) ?? (await readBackupDate(folder).catch(() => undefined));
    if (date) older.push({ id: name, path: folder, date, isCurrent: false });
  }
  older.sort((a, b) => b.date.getTime() - a.date.getTime() || b.id.localeCompare(a.id));
  return [...result, ...older];
}

/** The snapshots a policy would delete (never the current backup); `now` places the monthly window. */
export function snapshotsToPrune(snapshots: readonly BackupSnapshot[], policy: RetentionPolicy, now: Date = new Date()): BackupSnapshot[] {
  const older = snapshots.filter((snapshot) => !snapshot.isCurrent).sort((a, b) => b.date.getTime() - a.date.getTime());
  if (policy.keepLast === undefined && policy.keepDaily === undefined && policy.keepMonthly === undefined) return [];
  const keep = new Set<BackupSnapshot>(older.slice(0, Math.max(0, policy.keepLast ?? 0)));
  if (policy.keepDaily !== undefined && policy.keepDaily > 0) {
    const days = new Set<string>();
    for (const snapshot of older) {
      const day = snapshot.date.toISOString().slice(0, 10);
      if (days.has(day)) continue;
      if (days.size >= policy.keepDaily) break;
      days.add(day);
      keep.add(snapshot);
    }
  }
  if (policy.keepMonthly !== undefined && policy.keepMonthly > 0) {
    const oldestMonth = monthIndex(now) - policy.keepMonthly + 1;
    const months = new Set<number>();
    for (const snapshot of older) {
      const month = monthIndex(snapshot.date);
      if (month < oldestMonth || months.has(month)) continue;
      months.add(month);
      keep.add(snapshot);
    }
  }
  return older.filter((snapshot) => !keep.has(snapshot));
}

/** Months since year 0 (UTC), so "the last 12 months" is a subtraction. */
function monthIndex(date: Date): number {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}
