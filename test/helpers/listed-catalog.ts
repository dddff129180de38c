import type { CatalogBackend } from '../../src/main/core/backends';
import type { BackupView } from '../../src/shared/contract';

/**
 * The catalog the app-core tests give the core beside their fake backup backend: it lists
 * `backups` (the array the fake fills as it "backs up", read at each call), finds the latest
 * backup in a folder, verifies every backup as sound, deletes nothing, archives by returning the
 * backup, and answers a backup's folder with its path. `overrides` replaces any of these (a
 * verify that wants the password).
 */
export function listedCatalog(backups: readonly BackupView[], overrides: Partial<CatalogBackend> = {}): CatalogBackend {
  const byId = (backupId: string): BackupView | undefined => backups.find((backup) => backup.id === backupId);
  // Each list a version of its own, as the real catalog's when the history changed.
  let version = 0;
  return {
    list: async () => ({ backups: [...backups], version: ++version }),
    findByPath: async (folder) => backups.filter((backup) => backup.path === folder).at(-1),
    verify: async (backupId) => ({ backupId, ok: true, checkedFiles: 0, problems: [] }),
    delete: async () => undefined,
    archive: async (backupId) => {
      const backup = byId(backupId);
      if (!backup) throw new Error(`no backup ${backupId} in this test's catalog`);
      return backup;
    },
    pathOf: async (backupId) => byId(backupId)?.path ?? '',
    folderOf: async (backupId) => byId(backupId)?.path ?? '',
    close: () => undefined,
    ...overrides,
  };
}
