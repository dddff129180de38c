/**
 * zod schemas for every invoke argument. The core parses with these before doing anything, so
 * the Electron adapter, the web bridge and the CLI all get the same checks. Passwords are plain
 * strings here; they are listed in SECRET_FIELDS so logs can redact them.
 */
import { z } from 'zod';

const udid = z.string().min(1).max(64).regex(/^[0-9A-Za-z-]+$/, 'A UDID is letters, digits and dashes.');
const id = z.string().min(1).max(512);
const password = z.string().min(1).max(1024);
const folder = z.string().min(1).max(4096);

export const noArgs = z.object({}).strict();
export const udidArgs = z.object({ udid }).strict();
export const backupIdArgs = z.object({ backupId: id }).strict();
export const jobIdArgs = z.object({ jobId: id }).strict();

export const pairArgs = udidArgs;

export const wifiConnectionsArgs = z.object({ udid, enabled: z.boolean() }).strict();

export const backupStartArgs = z
  .object({
    udid,
    /** Ask the phone for a full backup instead of an incremental one. */
    full: z.boolean().optional(),
    /** The backup password: only needed to leave the Camera Roll out of an encrypted backup. */
    password: password.optional(),
  })
  .strict();

export const backupsListArgs = z.object({ udid: udid.optional(), includeArchived: z.boolean().optional() }).strict();

/**
 * A name the caller picks for a long read of an untrusted folder (verify, opening the browser), so
 * `reads:cancel` can stop it while it runs: those are requests, not jobs, so they have no job id
 * (and not the password broker's requestId either).
 */
const readId = id;

export const backupsVerifyArgs = z.object({ backupId: id, password: password.optional(), readId: readId.optional() }).strict();

export const readCancelArgs = z.object({ readId }).strict();

// keepMonthly left out keeps the monthly setting as it is (older clients send keepLast only).
const retentionSchema = z.object({ keepLast: z.number().int().min(1).max(1000).nullable(), keepMonthly: z.number().int().min(0).max(120).optional() }).strict();

export const settingsSetArgs = z
  .object({
    backupRoot: folder.optional(),
    extraFolders: z.array(folder).max(32).optional(),
    retention: retentionSchema.optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
    photoImportFolder: folder.optional(),
    openAtLogin: z.boolean().optional(),
    openAtLoginOffered: z.boolean().optional(),
  })
  .strict();

/** A daily or weekly time; weekly needs its weekday and daily takes none, so a saved schedule is never ambiguous. */
export const backupScheduleSchema = z
  .object({
    frequency: z.enum(['daily', 'weekly']),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM, 24-hour (00:00 to 23:59).'),
    weekday: z.number().int().min(0).max(6).optional(),
  })
  .strict()
  .refine((schedule) => (schedule.frequency === 'weekly') === (schedule.weekday !== undefined), {
    message: 'A weekly schedule names its weekday (0 = Sunday … 6 = Saturday); a daily one names none.',
    path: ['weekday'],
  });

export const deviceSettingsSetArgs = z
  .object({
    udid,
    cameraRoll: z.boolean().optional(),
    autoBackup: z.boolean().optional(),
    /** null turns the schedule off. */
    schedule: backupScheduleSchema.nullable().optional(),
  })
  .strict();

export const encryptionSetArgs = z
  .object({
    udid,
    enabled: z.boolean(),
    /** The new password when turning on; the current one when turning off. */
    password,
  })
  .strict();

export const encryptionChangePasswordArgs = z.object({ udid, oldPassword: password, newPassword: password }).strict();

export const restorePreflightArgs = z.object({ udid, backupId: id }).strict();

export const restoreStartArgs = z
  .object({
    udid,
    backupId: id,
    password: password.optional(),
    /** Restore settings and system files too (a full "Restore Backup…"), not only app data. */
    system: z.boolean().optional(),
    /** Restore the backup's settings too, instead of keeping the phone's (RestorePreserveSettings false). */
    settings: z.boolean().optional(),
    reboot: z.boolean().optional(),
  })
  .strict();

export const restoreCandidatesArgs = udidArgs;

export const photosImportArgs = z
  .object({
    udid,
    destination: folder,
    /** Also save each HEIC photo as a JPEG beside it (Windows' "Automatic" transfer). */
    convertHeicToJpeg: z.boolean().optional(),
    /** With convertHeicToJpeg: keep the HEIC too; default true. */
    keepHeicOriginals: z.boolean().optional(),
  })
  .strict();

export const browserOpenArgs = z.object({ backupId: id, password: password.optional(), readId: readId.optional() }).strict();

export const browserListArgs = z
  .object({
    sessionId: id,
    domain: z.string().max(512).optional(),
    /** Directory inside the domain; '' is its root. */
    directory: z.string().max(4096).optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
  })
  .strict();

export const browserSearchArgs = z
  .object({ sessionId: id, query: z.string().min(1).max(512), limit: z.number().int().min(1).max(5000).optional() })
  .strict();

export const browserExtractArgs = z
  .object({ sessionId: id, fileIds: z.array(id).min(1).max(100_000), destination: folder })
  .strict();

export const browserPreviewArgs = z.object({ sessionId: id, fileId: id }).strict();

export const browserCloseArgs = z.object({ sessionId: id }).strict();

export const passwordProvideArgs = z
  .object({
    requestId: id,
    password,
    /** Keep it (keychain in the desktop app, memory in web mode) once it has opened the backup. */
    remember: z.boolean().optional(),
  })
  .strict();

export const passwordCancelArgs = z.object({ requestId: id }).strict();

export const passwordRememberArgs = z.object({ udid, password }).strict();

export const foldersListArgs = z.object({ path: folder.optional() }).strict();

export const foldersPickArgs = z.object({ title: z.string().min(1).max(200).optional(), defaultPath: folder.optional() }).strict();

/**
 * A new backup folder, and what becomes of the backups in the old one: `move` them there, or `keep`
 * them where they are, listed as an added folder.
 */
export const backupRootChangeArgs = z.object({ backupRoot: folder, existing: z.enum(['move', 'keep']) }).strict();

/** Argument fields that hold secrets; redactArgs replaces them before anything is logged. */
export const SECRET_FIELDS = ['password', 'oldPassword', 'newPassword'] as const;

/** A copy of the arguments safe to log: every secret field becomes '***'. */
export function redactArgs(args: unknown): unknown {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return args;
  const copy: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const field of SECRET_FIELDS) if (field in copy) copy[field] = '***';
  return copy;
}
