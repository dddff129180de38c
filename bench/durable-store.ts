/**
 * What the private, durable store costs on a many-file backup (bench/README.md "Private and durable
 * store"): a synthetic backup of FILES small files in 256 folders, world-readable as an older
 * backup would be, then the steps a run adds. Usage: npx tsx bench/durable-store.ts [FILES] [DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cloneTreeWithHardLinks, flushTreeToDisk, fsyncTree } from '../src/main/backup/store';

const files = Number(process.argv[2] ?? 10_000);
const base = fs.mkdtempSync(path.join(process.argv[3] ?? os.tmpdir(), 'lifeboat-durable-bench-'));
const content = Buffer.alloc(4096, 7);

async function timed(label: string, step: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const result = await step();
  const detail = typeof result === 'object' && result !== null ? ` ${JSON.stringify(result)}` : '';
  console.log(`${label.padEnd(52)} ${(performance.now() - started).toFixed(0).padStart(6)} ms${detail}`);
}

async function main(): Promise<void> {
  const source = path.join(base, 'backup');
  for (let folder = 0; folder < 256; folder += 1) fs.mkdirSync(path.join(source, folder.toString(16).padStart(2, '0')), { recursive: true, mode: 0o755 });
  const writeAll = (dir: string, suffix: string): void => {
    for (let index = 0; index < files; index += 1) {
      fs.writeFileSync(path.join(dir, (index % 256).toString(16).padStart(2, '0'), `${index}${suffix}`), content, { mode: 0o644 });
    }
  };
  writeAll(source, '');
  await timed(`sync (settle the set-up), ${files} files`, async () => flushTreeToDisk(source));
  await timed('clone, tightening every file 0644 -> 0600', () => cloneTreeWithHardLinks(source, path.join(base, 'clone-1')));
  await timed('clone again, nothing to tighten', () => cloneTreeWithHardLinks(source, path.join(base, 'clone-2')));
  const fresh = path.join(base, 'fresh');
  for (let folder = 0; folder < 256; folder += 1) fs.mkdirSync(path.join(fresh, folder.toString(16).padStart(2, '0')), { recursive: true });
  writeAll(fresh, '-new');
  await timed(`flushTreeToDisk (syncfs) after ${files} new files`, () => flushTreeToDisk(fresh));
  const fresh2 = path.join(base, 'fresh-2');
  for (let folder = 0; folder < 256; folder += 1) fs.mkdirSync(path.join(fresh2, folder.toString(16).padStart(2, '0')), { recursive: true });
  writeAll(fresh2, '-new');
  await timed(`fsyncTree (portable: fsync each) after ${files} new files`, () => fsyncTree(fresh2));
}

main()
  .finally(() => fs.rmSync(base, { recursive: true, force: true }))
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
