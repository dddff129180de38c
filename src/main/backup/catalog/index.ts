/**
 * The backup catalog (issue 4 "History"): every backup under the backup root, Lifeboat's snapshots
 * and added folders, with size, counts, state, verify, delete and archive.
 */
export { openCatalog, CATALOG_FILE, type BackupCatalog, type CatalogOptions } from './catalog';
export type {
  BackupFilter,
  BackupLocation,
  BackupProblem,
  BackupRecord,
  BackupStatus,
  LifeboatSidecar,
  RefreshResult,
  VerifyFileProblem,
  VerifyReport,
} from './catalog-model';
export { SIDECAR_FILE, VERIFY_EXAMPLE_LIMIT } from './catalog-model';
export { discoverBackups, looksLikeBackup } from './backup-discovery';
export { inspectBackup } from './backup-inspection';
/** Read-only Manifest.db access that never writes beside a backup (WAL-safe, decrypts in memory). */
export { openManifestDb, catalogRows, type CatalogRow, type ManifestOpenResult } from './manifest-source';
