/**
 * Restore (issue 5): put a backup back onto a phone, with pre-flight checks, progress, cancel and
 * the reboot followed to the end; and find the backups that hold an erased phone's photos.
 */
export { runRestore, restoreFolderFor, type RunRestoreOptions, type RestoreResult } from './run-restore';
export { type RestoreProgress, type RestorePhase } from './restore-progress';
export { inspectRestoreSource, readRestoreMetadata, compareIosVersions, type RestoreSource } from './restore-source';
export { preflightRestore, type RestorePreflight, type PreflightOptions } from './restore-preflight';
export {
  findRestoreCandidates,
  assessErasedPhone,
  FACTORY_PHOTO_LIMIT,
  type RestoreCandidate,
  type ErasedPhoneAssessment,
  type CandidateOptions,
} from './restore-candidates';
