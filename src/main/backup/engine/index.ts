/**
 * The backup engine's public API: what the CLI and the app call.
 */
export { runBackup, type RunBackupOptions, type BackupResult } from './run-backup';
export { type BackupProgress } from './backup-progress';
export {
  getBackupEncryption,
  setBackupEncryption,
  changeBackupPassword,
  type DeviceTarget,
  type SetEncryptionOptions,
  type ChangePasswordOptions,
} from './backup-encryption';
export { listSnapshots, applyRetention, DEFAULT_RETENTION, resolveBackupRoot, defaultBackupRoot, recoverStore, BACKUP_ROOT_ENV } from '../store';
export type { BackupSnapshot, RetentionPolicy } from '../store';
export { isCameraRollItem } from './camera-roll';
export { DEFAULT_IDLE_TIMEOUT_MS, IDLE_TIMEOUT_ENV, resolveIdleTimeoutMs } from './idle-timeout';
export { BackupError, isBackupError, type BackupErrorCode } from '../backup-error';
