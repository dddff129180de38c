import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { BackupScheduleView, DeviceSettingsView, SettingsView } from '../../shared/contract';
import { backupScheduleSchema } from '../../shared/contract-schemas';

/** Lifeboat's default history (backup/store DEFAULT_RETENTION): the last 10, plus one a month for a year. */
const DEFAULT_KEEP_LAST = 10;
const DEFAULT_KEEP_MONTHLY = 12;

/** Defaults for a phone the settings have never seen: Camera Roll in, no auto-backup (like iTunes). */
const DEFAULT_DEVICE_SETTINGS: DeviceSettingsView = { cameraRoll: true, autoBackup: false };

const fileSchema = z.object({
  backupRoot: z.string().min(1),
  extraFolders: z.array(z.string()).default([]),
  // A file from before keepMonthly was a setting gets the default year of monthly backups.
  retention: z
    .object({ keepLast: z.number().int().min(1).nullable(), keepMonthly: z.number().int().min(0).default(DEFAULT_KEEP_MONTHLY) })
    .default({ keepLast: DEFAULT_KEEP_LAST, keepMonthly: DEFAULT_KEEP_MONTHLY }),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  photoImportFolder: z.string().min(1).optional(),
  devices: z
    .record(
      z.string(),
      // A schedule the file holds but no longer parses is dropped on its own, not the phone's other settings.
      z.object({ cameraRoll: z.boolean(), autoBackup: z.boolean(), schedule: backupScheduleSchema.optional().catch(undefined) }),
    )
    .default({}),
  openAtLogin: z.boolean().optional(),
  openAtLoginOffered: z.boolean().optional(),
});

/** A phone's settings change; `schedule: null` turns its schedule off. */
export interface DeviceSettingsPatch {
  readonly cameraRoll?: boolean;
  readonly autoBackup?: boolean;
  readonly schedule?: BackupScheduleView | null;
}

/**
 * The app's settings as one JSON file, written atomically with mode 0600: it names folders and
 * phones, which is nobody else's business on a shared computer. A missing or damaged file falls
 * back to defaults rather than keeping the app from starting.
 */
export class SettingsStore {
  private current: SettingsView;

  constructor(
    private readonly file: string,
    /** Lifeboat's own backup folder, made when missing; a folder the person chose is not (issue 12). */
    readonly defaultBackupRoot: string,
    private readonly defaultPhotoFolder?: string,
  ) {
    this.current = this.load(defaultBackupRoot);
  }

  get(): SettingsView {
    return this.current.photoImportFolder || !this.defaultPhotoFolder ? this.current : { ...this.current, photoImportFolder: this.defaultPhotoFolder };
  }

  device(udid: string): DeviceSettingsView {
    return this.current.devices[udid] ?? DEFAULT_DEVICE_SETTINGS;
  }

  update(patch: Partial<Omit<SettingsView, 'devices'>>): SettingsView {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    this.current = { ...this.current, ...defined };
    this.save();
    return this.current;
  }

  updateDevice(udid: string, patch: DeviceSettingsPatch): DeviceSettingsView {
    const { schedule, ...flags } = patch;
    const defined = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
    const { schedule: before, ...rest } = { ...this.device(udid), ...defined };
    const kept = schedule === null ? undefined : (schedule ?? before);
    const next: DeviceSettingsView = { ...rest, ...(kept ? { schedule: kept } : {}) };
    this.current = { ...this.current, devices: { ...this.current.devices, [udid]: next } };
    this.save();
    return next;
  }

  private load(defaultBackupRoot: string): SettingsView {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      if (parsed.success) return parsed.data;
    } catch {
      // No settings yet (first start) or unreadable JSON: start from defaults.
    }
    return { backupRoot: defaultBackupRoot, extraFolders: [], retention: { keepLast: DEFAULT_KEEP_LAST, keepMonthly: DEFAULT_KEEP_MONTHLY }, theme: 'system', devices: {} };
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(this.current, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, this.file);
    // rename keeps the temporary file's mode; chmod covers a file created by an older version.
    fs.chmodSync(this.file, 0o600);
  }
}
