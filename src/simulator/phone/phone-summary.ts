import type Database from 'better-sqlite3';
import { appFromDomain } from './app-catalog';
import type { PhoneApp, PhoneStats, PhoneUsage } from './phone-model';

/**
 * What the virtual iPhone holds, added up from its index (phone.db, phone-index.ts): counts and
 * bytes, storage by category (`com.apple.disk_usage`) and the installed apps. Read-only queries;
 * the store (phone-store.ts) answers Phone's stats(), usage() and apps() with them.
 */

export function readPhoneStats(db: Database.Database): PhoneStats {
  const all = db.prepare<[], { entries: number; files: number; bytes: number | null }>(
    "SELECT count(*) AS entries, sum(kind = 'file') AS files, sum(size) AS bytes FROM entries",
  ).get();
  const roll = db.prepare<[], { files: number; bytes: number | null }>(
    "SELECT count(*) AS files, sum(size) AS bytes FROM entries WHERE domain = 'CameraRollDomain' AND relative_path >= 'Media/DCIM/' AND relative_path < 'Media/DCIM0' AND kind = 'file'",
  ).get();
  return {
    entryCount: all?.entries ?? 0,
    fileCount: all?.files ?? 0,
    totalBytes: all?.bytes ?? 0,
    cameraRollFiles: roll?.files ?? 0,
    cameraRollBytes: roll?.bytes ?? 0,
  };
}

export function readPhoneUsage(db: Database.Database): PhoneUsage {
  // One pass over the index; each area is a domain (or domain prefix) and a path prefix.
  const row = db.prepare<[], Record<keyof PhoneUsage, number | null>>(
    `SELECT
      sum(CASE WHEN domain >= 'AppDomain' AND domain < 'AppDomainZ' THEN size END) AS apps,
      sum(CASE WHEN domain = 'CameraRollDomain' AND relative_path >= 'Media/DCIM/' AND relative_path < 'Media/DCIM0' THEN size END) AS camera,
      sum(CASE WHEN domain = 'CameraRollDomain' AND relative_path >= 'Media/PhotoData/' AND relative_path < 'Media/PhotoData0' THEN size END) AS photoData,
      sum(CASE WHEN domain = 'HomeDomain' AND relative_path >= 'Library/Calendar/' AND relative_path < 'Library/Calendar0' THEN size END) AS calendar,
      sum(CASE WHEN domain = 'HomeDomain' AND relative_path >= 'Library/Notes/' AND relative_path < 'Library/Notes0' THEN size END) AS notes,
      sum(CASE WHEN domain = 'HomeDomain' AND relative_path >= 'Library/Voicemail/' AND relative_path < 'Library/Voicemail0' THEN size END) AS voicemail,
      sum(CASE WHEN domain = 'MediaDomain' AND ((relative_path >= 'Media/Recordings/' AND relative_path < 'Media/Recordings0')
        OR (relative_path >= 'Media/iTunes_Control/Music/' AND relative_path < 'Media/iTunes_Control/Music0')) THEN size END) AS media
    FROM entries WHERE kind = 'file'`,
  ).get();
  return {
    apps: row?.apps ?? 0,
    camera: row?.camera ?? 0,
    photoData: row?.photoData ?? 0,
    calendar: row?.calendar ?? 0,
    notes: row?.notes ?? 0,
    voicemail: row?.voicemail ?? 0,
    media: row?.media ?? 0,
  };
}

/** Every app with an AppDomain-<bundle id> on the phone: its catalog record, or one made from the domain. */
export function readPhoneApps(db: Database.Database): readonly PhoneApp[] {
  const known = new Map(
    db.prepare<[], { bundle_id: string; name: string; version: string; bundle_path: string }>('SELECT * FROM apps').all()
      .map((row) => [row.bundle_id, { bundleId: row.bundle_id, name: row.name, version: row.version, bundlePath: row.bundle_path }]),
  );
  const next = db.prepare<[string], { domain: string }>(
    "SELECT domain FROM entries WHERE domain > ? AND domain < 'AppDomain.' ORDER BY domain LIMIT 1",
  );
  const apps: PhoneApp[] = [];
  let cursor = 'AppDomain-';
  for (let row = next.get(cursor); row; row = next.get(cursor)) {
    const bundleId = row.domain.slice('AppDomain-'.length);
    apps.push(known.get(bundleId) ?? appFromDomain(bundleId));
    cursor = `${row.domain}\u0000`;
  }
  return apps;
}
