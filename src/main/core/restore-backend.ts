import { assessErasedPhone, compareIosVersions, inspectRestoreSource, type RestoreProgress, runRestore } from '../restore';
import { isBackupError } from '../backup/backup-error';
import { type AppError, appError } from '../../shared/app-error';
import type { RestorePreflightView } from '../../shared/contract-models';
import type { RestoreBackend } from './backends';
import { toAppError } from './error-mapping';
import type { ProgressUpdate } from './job-queue';

/** Restore (src/main/restore) behind the core's interface, with a preflight the UI can show before asking. */
export function createRestoreBackend(): RestoreBackend {
  return {
    async preflight({ udid, backupId, backupPath, device }) {
      const problems: AppError[] = [];
      let needsPassword = false;
      let requiredFreeBytes: number | undefined;
      let versionCompatible: boolean | undefined;
      try {
        const source = await inspectRestoreSource(backupPath, undefined);
        requiredFreeBytes = source.totalBytes;
        if (source.productVersion && device?.productVersion) {
          // A backup from a newer iOS cannot go onto an older one (§7.3).
          versionCompatible = compareIosVersions(source.productVersion, device.productVersion) <= 0;
          if (!versionCompatible) problems.push(appError('unsupported', `This backup is from iOS ${source.productVersion}; the iPhone runs iOS ${device.productVersion}. Update the iPhone first.`, udid));
        }
        if (device?.freeBytes !== undefined && source.totalBytes > device.freeBytes) problems.push(appError('device-full', undefined, udid));
      } catch (error) {
        if (isBackupError(error, 'password-required')) needsPassword = true;
        else problems.push(toAppError(error, udid));
      }
      const view: RestorePreflightView = {
        backupId,
        udid,
        ok: problems.length === 0,
        needsPassword,
        problems,
        ...(requiredFreeBytes === undefined ? {} : { requiredFreeBytes }),
        ...(device?.freeBytes === undefined ? {} : { deviceFreeBytes: device.freeBytes }),
        ...(versionCompatible === undefined ? {} : { versionCompatible }),
      };
      return view;
    },
    async run(options) {
      await runRestore({
        udid: options.udid,
        backup: options.backupPath,
        systemFiles: options.system,
        settings: options.settings ?? false,
        reboot: options.reboot,
        signal: options.signal,
        onProgress: (progress) => options.onProgress(fromRestoreProgress(progress)),
        ...(options.muxAddress ? { muxAddress: options.muxAddress } : {}),
        ...(options.password ? { password: options.password } : {}),
      });
    },
    async candidates({ udid, muxAddress, backupRoot, extraFolders, rootUnavailable }) {
      const assessment = await assessErasedPhone(udid, { backupRoot, extraFolders, ...(rootUnavailable ? { rootUnavailable } : {}), ...(muxAddress ? { muxAddress } : {}) });
      return {
        udid: assessment.udid,
        photosOnPhone: assessment.photosOnPhone,
        looksErased: assessment.looksErased,
        ...(assessment.recommendedId === undefined ? {} : { recommendedBackupId: assessment.recommendedId }),
        ...(assessment.photosInICloud ? { photosInICloud: true } : {}),
        ...(assessment.photosInICloudBackupId === undefined ? {} : { photosInICloudBackupId: assessment.photosInICloudBackupId }),
        candidates: assessment.candidates.map((candidate) => ({
          backupId: candidate.id,
          encrypted: candidate.encrypted,
          archived: candidate.archived,
          ...(candidate.createdAt === undefined ? {} : { createdAt: candidate.createdAt }),
          ...(candidate.photoCount === undefined ? {} : { photoCount: candidate.photoCount }),
        })),
      };
    },
  };
}

function fromRestoreProgress(progress: RestoreProgress): ProgressUpdate {
  // The planned restart is a phase of its own, so nobody has to guess it from words or an unplug.
  const phase = progress.phase === 'restoring' ? 'transferring' : progress.phase === 'rebooting' ? 'restarting' : progress.phase === 'done' ? 'finishing' : 'preparing';
  return {
    phase,
    percent: progress.percent,
    filesDone: progress.filesDone,
    bytesDone: progress.bytesDone,
    etaSeconds: progress.etaSeconds,
    ...(progress.phase === 'rebooting' ? { message: 'Waiting for the iPhone to restart…' } : {}),
  };
}
