import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserBenchmark, benchmarkBrowser } from '../src/main/browser';
import { ManifestDbWriter } from '../src/simulator/backup-format/manifest-db';

/**
 * The backup browser benchmark: open and search a Manifest.db of `rows` entries (500 000 by
 * default, about five times a large real phone). Only Manifest.db is written: the browser reads
 * the file list, not the content files. Run alone with `tsx bench/browse.ts [ROWS]`, or from run.ts.
 */
export const BROWSE_ROWS = 500_000;

const DOMAINS = ['HomeDomain', 'MediaDomain', 'CameraRollDomain', 'KeychainDomain', 'WirelessDomain', ...Array.from({ length: 40 }, (_, i) => `AppDomain-com.example.app${i}`)];

function buildManifest(folder: string, rows: number): void {
  const writer = new ManifestDbWriter(path.join(folder, 'Manifest.db'));
  try {
    for (let index = 0; index < rows; index++) {
      const domain = DOMAINS[index % DOMAINS.length] as string;
      const relativePath =
        domain === 'CameraRollDomain'
          ? `Media/DCIM/${100 + Math.floor(index / 1000)}APPLE/IMG_${String(index % 10000).padStart(4, '0')}.JPG`
          : index % 5000 === 0
            ? 'Library/SMS/sms.db'
            : `Library/Preferences/folder${index % 97}/file-${index}.plist`;
      const fileId = crypto.createHash('sha1').update(`${domain}-${relativePath}-${index}`).digest('hex');
      writer.add({
        fileId,
        domain,
        relativePath,
        flags: 1,
        file: { relativePath, mode: 0o100644, inode: index + 1, uid: 501, gid: 501, mtime: 1_700_000_000, ctime: 1_700_000_000, birth: 1_700_000_000, size: 1000 + (index % 9000), protectionClass: 3 },
      });
    }
    writer.finish();
  } catch (error) {
    writer.abort();
    throw error;
  }
}

export interface BrowseBenchResult extends BrowserBenchmark {
  readonly buildMs: number;
}

export async function runBrowseBenchmark(rows = BROWSE_ROWS): Promise<BrowseBenchResult> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bench-browse-'));
  try {
    const started = performance.now();
    buildManifest(folder, rows);
    const buildMs = performance.now() - started;
    return { buildMs, ...(await benchmarkBrowser(folder, { searches: ['sms.db', 'IMG_', 'Preferences/folder42/', 'no-such-name'] })) };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export function describeBrowse(result: BrowseBenchResult): string[] {
  return [
    `| open (read + index ${result.entries} rows) | ${result.openMs.toFixed(0)} ms |`,
    `| list every domain's top level | ${result.listMs.toFixed(0)} ms |`,
    ...result.searches.map((search) => `| search "${search.text}" (${search.hits} hits, limit 1000) | ${search.ms.toFixed(0)} ms |`),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = process.argv[2] === undefined ? BROWSE_ROWS : Number(process.argv[2]);
  const result = await runBrowseBenchmark(rows);
  process.stdout.write(`Built the ${rows}-row Manifest.db in ${(result.buildMs / 1000).toFixed(1)} s.\n| Step | Time |\n|---|---|\n${describeBrowse(result).join('\n')}\n`);
}
