/**
 * Photos: copying the Camera Roll from a connected iPhone into a folder (DCIM over AFC). Export
 * of the Camera Roll from a backup may join here later.
 */
export { importPhotos, importPhotosOverAfc } from './import/photo-import';
export type {
  ImportedPhoto,
  PhotoImportFailure,
  PhotoImportOptions,
  PhotoImportPhase,
  PhotoImportProgress,
  PhotoImportResult,
} from './import/photo-import-types';
export { PhotoImportError } from './import/photo-import-types';
export { PHOTO_INDEX_FILE_NAME } from './import/photo-index';
export { listDcimPaths } from './import/dcim-source';
export { PARTIAL_SUFFIX } from './import/destination-files';
export { exportCameraRollFromBackup, exportAppFromBackup, type ExportOptions, type ExportResult } from './export-from-backup';
