import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type BackupRecord } from '../../src/main/backup/catalog';
import { billionLaughsBplist } from '../../src/main/device/codec/test-support/hostile-plists';
import { runTool } from '../helpers/run-tool';
import { sampleFiles, writeTestBackup } from './backup-builder';

/**
 * A folder under the backup root is untrusted (issue 13): a ~165-byte "billion laughs" Info.plist
 * or Manifest.plist used to take `lifeboat backups` to 4 GB and an abort. Now the catalog marks
 * that backup damaged with a sentence and lists the good ones beside it.
 */

const GOOD = '00008110-000000000000000A';
const LAUGHING_INFO = '00008110-000000000000000B';
const LAUGHING_MANIFEST = '00008110-000000000000000C';

let root: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-'));
  for (const udid of [GOOD, LAUGHING_INFO, LAUGHING_MANIFEST]) await writeTestBackup(path.join(root, udid), { udid, files: sampleFiles(2) });
  fs.writeFileSync(path.join(root, LAUGHING_INFO, 'Info.plist'), billionLaughsBplist(40));
  fs.writeFileSync(path.join(root, LAUGHING_MANIFEST, 'Manifest.plist'), billionLaughsBplist(40));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function byFolder(records: readonly BackupRecord[], udid: string): BackupRecord | undefined {
  return records.find((record) => path.basename(record.path) === udid);
}

describe('backups whose plists expand without bound', () => {
  it('are listed as damaged, with the reason, beside the good backup', async () => {
    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const records = catalog.list();
      expect(byFolder(records, GOOD)).toMatchObject({ status: 'complete', problems: [] });
      const info = byFolder(records, LAUGHING_INFO);
      expect(info?.status).toBe('damaged');
      expect(info?.problems.map((problem) => problem.message)).toContainEqual(expect.stringMatching(/^Info\.plist cannot be read \(it is malformed or too large: .*more than [\d,]+ values/));
      const manifest = byFolder(records, LAUGHING_MANIFEST);
      expect(manifest?.status).toBe('damaged');
      expect(manifest?.problems.map((problem) => problem.message)).toContainEqual(expect.stringMatching(/^Manifest\.plist cannot be read \(it is malformed or too large/));
    } finally {
      catalog.close();
    }
  });

  it('do not crash `lifeboat backups`, even with a small heap', async () => {
    // 256 MB of heap: the old decoder needed 4 GB for this folder and aborted with exit 134.
    const run = await runTool(process.execPath, ['--max-old-space-size=256', 'bin/lifeboat.mjs', 'backups', '--json', '--backup-root', root], { ...process.env }, 120_000);
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const listed = (JSON.parse(run.stdout) as { backups: BackupRecord[] }).backups;
    expect(byFolder(listed, GOOD)?.status).toBe('complete');
    expect(byFolder(listed, LAUGHING_INFO)?.status).toBe('damaged');
    expect(byFolder(listed, LAUGHING_MANIFEST)?.status).toBe('damaged');
  });
});
