import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackends } from '../../src/main/core/real-backends';
import { writeGoodBackup } from '../backup/hostile-backups';

/**
 * Review finding: the real catalog backend kept the version list() last read in one shared
 * variable that usage() read a microtask later, so two lists finishing together could pair the
 * first list with the second's totals. list() now returns its version and usage(version) counts
 * exactly that list's backups, or says nothing.
 */
describe('the real catalog backend: totals for the list they were asked for', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-usage-version-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('never answers an older list with a newer list’s totals', async () => {
    const catalog = await createRealBackends().openCatalog(root, []);
    try {
      await writeGoodBackup(path.join(root, '00008110-000A1B2C3D4E8001'), '00008110-000A1B2C3D4E8001');
      const older = await catalog.list();
      await writeGoodBackup(path.join(root, '00008110-000A1B2C3D4E8002'), '00008110-000A1B2C3D4E8002');
      const newer = await catalog.list();
      expect(older.backups).toHaveLength(1);
      expect(newer.backups).toHaveLength(2);
      expect(newer.version).not.toBe(older.version);
      // The newer list's totals count both backups; the older list's, asked for after, never do:
      // its history changed before it was counted, so it has none (undefined).
      const usageOf = async (version: number) => {
        const usage = catalog.usage?.(version);
        return usage && ('counted' in usage ? usage.counted : await usage.counting);
      };
      expect((await usageOf(newer.version))?.phones.flatMap((phone) => phone.backupIds)).toHaveLength(2);
      const olderUsage = await usageOf(older.version);
      expect(olderUsage?.phones.flatMap((phone) => phone.backupIds) ?? older.backups.map((backup) => backup.id)).toEqual(older.backups.map((backup) => backup.id));
    } finally {
      catalog.close();
    }
  });
});
