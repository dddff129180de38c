import type { Backends } from './backends';
import { fail } from './error-mapping';

/**
 * The real engine and catalog from src/main/backup, adapted to the core's interfaces.
 * (Wired as those modules land; until then the calls say so in a sentence.)
 */
export function createRealBackends(): Backends {
  const missing = (): never => fail('unsupported', 'Backups are not available in this build yet.');
  return {
    backup: { runBackup: async () => missing(), getEncryption: async () => missing(), setEncryption: async () => missing(), changePassword: async () => missing() },
    openCatalog: async () => ({
      list: async () => [],
      findByPath: async () => undefined,
      verify: async () => missing(),
      delete: async () => missing(),
      archive: async () => missing(),
      pathOf: async () => missing(),
      close: () => undefined,
    }),
  };
}
