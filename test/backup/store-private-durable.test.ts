import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/main/backup/catalog';
import {
  completeBackupFolder,
  BackgroundFileWriter,
  TEMP_PREFIX,
  flushTreeToDisk,
  fsyncTree,
  planTreeFlush,
  nodeStoreFs,
  openBackupRun,
  recoverInterruptedCommits,
  storeLayout,
  writeJournal,
} from '../../src/main/backup/store';
import { runCli } from '../../src/main/cli/main';
import { encodeBinaryPlist } from '../../src/main/device/codec';
import { hashTree } from './engine-helpers';
import { startThreadsFromSources } from '../helpers/thread-sources';

// The upload writer's thread from its TypeScript source, the way tsx runs it (the other files use the run's bundles).
startThreadsFromSources();

const UDID = '00008110-000A1B2C3D4E801E';
const posix = process.platform !== 'win32';

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-private-'));
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

/** A backup as another tool (or Lifeboat before this rule) left it: world-readable. */
function makeBackup(folder: string, date: string, content: string, state = 'finished'): void {
  fs.mkdirSync(path.join(folder, 'ab'), { recursive: true, mode: 0o755 });
  fs.chmodSync(folder, 0o755);
  fs.writeFileSync(path.join(folder, 'ab', 'ab12'), content, { mode: 0o644 });
  fs.writeFileSync(path.join(folder, 'Manifest.plist'), encodeBinaryPlist({ IsEncrypted: false }), { mode: 0o644 });
  fs.writeFileSync(path.join(folder, 'Status.plist'), encodeBinaryPlist({ SnapshotState: state, Date: new Date(date) }), { mode: 0o644 });
}

/** Every entry under `dir` whose permission bits are not 0700 (folders) or 0600 (files). */
function notPrivate(dir: string): string[] {
  const wrong: string[] = [];
  const walk = (current: string): void => {
    const mode = fs.statSync(current).mode & 0o777;
    if (mode !== 0o700) wrong.push(`${path.relative(dir, current) || '.'}/ ${mode.toString(8)}`);
    for (const item of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, item.name);
      if (item.isDirectory()) walk(full);
      else if ((fs.statSync(full).mode & 0o777) !== 0o600) wrong.push(`${path.relative(dir, full)} ${(fs.statSync(full).mode & 0o777).toString(8)}`);
    }
  };
  walk(dir);
  return wrong;
}

describe.runIf(posix)('a private store', () => {
  it('writes new folders 0700 and files 0600, whichever way a file is written', async () => {
    const root = path.join(base, 'root');
    const run = await openBackupRun(root, UDID, { flushTree: async () => undefined });
    const writer = new BackgroundFileWriter({ tempPrefix: TEMP_PREFIX });
    fs.mkdirSync(path.join(run.staging, 'cd'), { mode: 0o700 });
    await writer.write(path.join(run.staging, 'cd', 'cd34'), Buffer.from('from a writer thread'));
    // A name that is taken goes through a temporary file beside it.
    await writer.write(path.join(run.staging, 'cd', 'cd34'), Buffer.from('again'));
    await writer.close();
    expect(writer.failure).toBeUndefined();
    await nodeStoreFs.writeFile(path.join(run.staging, 'Info.plist'), Buffer.from('plist'));
    const streamed = await nodeStoreFs.createFile(path.join(run.staging, 'cd', 'big'));
    await streamed.write(Buffer.from('streamed'));
    await streamed.commit();
    fs.writeFileSync(path.join(run.staging, 'Status.plist'), encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date() }), { mode: 0o600 });
    expect(notPrivate(run.staging)).toEqual([]);
    expect(fs.statSync(path.join(root, '.lifeboat')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(storeLayout(root).runLock(UDID)).mode & 0o777).toBe(0o600);
    await run.commit();
    expect(notPrivate(path.join(root, UDID))).toEqual([]);
  });

  it('tightens an existing world-readable backup on the next run, its snapshot included, without changing a byte', async () => {
    const root = path.join(base, 'root');
    const current = path.join(root, UDID);
    makeBackup(current, '2025-01-01T00:00:00Z', 'old');
    fs.mkdirSync(path.join(root, '.lifeboat'), { mode: 0o755 });
    fs.chmodSync(path.join(root, '.lifeboat'), 0o755);
    const before = hashTree(current);
    const run = await openBackupRun(root, UDID, { flushTree: async () => undefined });
    expect(notPrivate(run.staging)).toEqual([]);
    const snapshot = (await run.commit()) as string;
    expect(notPrivate(current)).toEqual([]);
    // The old backup's files are the same inodes: tightened too, content untouched.
    expect(hashTree(await completeBackupFolder(snapshot, root))).toEqual(before);
    expect(fs.statSync(path.join(await completeBackupFolder(snapshot, root), 'ab', 'ab12')).mode & 0o777).toBe(0o600);
    // Its folders keep their mode, but nobody else can reach them through the private `.lifeboat`.
    expect(fs.statSync(path.join(root, '.lifeboat')).mode & 0o777).toBe(0o700);
  });

  it('makes an archive private even when its source is world-readable', async () => {
    const root = path.join(base, 'root');
    makeBackup(path.join(root, UDID), '2025-01-01T00:00:00Z', 'old');
    fs.writeFileSync(path.join(root, UDID, 'Info.plist'), encodeBinaryPlist({ 'Target Identifier': UDID }), { mode: 0o644 });
    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const record = catalog.list().find((item) => item.location === 'root');
      const archived = await catalog.archive(record?.id as string);
      expect(notPrivate(archived.path)).toEqual([]);
    } finally {
      catalog.close();
    }
  });
});

describe('a durable commit', () => {
  it('flushes the whole staged tree before the journal is written', async () => {
    const root = path.join(base, 'root');
    makeBackup(path.join(root, UDID), '2025-01-01T00:00:00Z', 'old');
    const layout = storeLayout(root);
    const seen: Array<{ dir: string; journal: boolean; newFile: boolean }> = [];
    const run = await openBackupRun(root, UDID, {
      flushTree: async (dir) => {
        seen.push({ dir, journal: fs.existsSync(layout.journal(UDID)), newFile: fs.existsSync(path.join(dir, 'new-file')) });
      },
    });
    fs.writeFileSync(path.join(run.staging, 'new-file'), 'new');
    await run.commit();
    expect(seen).toEqual([{ dir: run.staging, journal: false, newFile: true }]);
  });

  it('fsyncs a small staged tree file by file (no syncfs waiting for other writers), a big one at once', async () => {
    // What a no-change incremental stages: a few metadata files and the phone's empty xx folders.
    const dir = path.join(base, 'staging');
    for (const name of ['00', '01', 'ff']) fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Manifest.db'), 'db');
    fs.writeFileSync(path.join(dir, 'Status.plist'), 'status');
    fs.mkdirSync(path.join(dir, 'ab'));
    fs.writeFileSync(path.join(dir, 'ab', 'ab01'), 'changed');
    const plan = await planTreeFlush(dir);
    expect(plan.kind).toBe('each');
    // Every file and every folder holding one; an empty folder's entry is its parent's to flush.
    const expected = ['Manifest.db', 'Status.plist', 'ab/ab01', 'ab', ''].map((relative) => path.join(dir, relative));
    expect(plan.kind === 'each' ? [...plan.paths].sort() : []).toEqual(expected.sort());
    expect(await planTreeFlush(dir, 4)).toEqual({ kind: 'file-system' });
    await expect(flushTreeToDisk(dir)).resolves.toBeUndefined();
  });

  it('fsyncs every file and folder of a tree (the portable path)', async () => {
    const dir = path.join(base, 'tree');
    makeBackup(dir, '2025-01-01T00:00:00Z', 'content');
    await expect(fsyncTree(dir)).resolves.toBeUndefined();
    await expect(fsyncTree(path.join(base, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('an interrupted commit is recovered before anything lists or restores', () => {
  /** The state a crash between the two renames leaves: journal written, current moved to the snapshot, staging not yet renamed. */
  async function crashBetweenRenames(root: string, stagedState = 'finished'): Promise<{ snapshot: string; oldHash: Map<string, string>; newHash: Map<string, string> }> {
    const layout = storeLayout(root);
    const current = layout.current(UDID);
    makeBackup(current, '2025-01-01T00:00:00Z', 'old');
    const oldHash = hashTree(current);
    const staging = layout.staging(UDID, 'crashed');
    makeBackup(staging, '2025-01-02T00:00:00Z', 'new', stagedState);
    const newHash = hashTree(staging);
    const snapshot = path.join(layout.snapshots(UDID), '20250101-000000');
    await writeJournal(layout, { version: 1, udid: UDID, staging, snapshot });
    fs.mkdirSync(path.dirname(snapshot), { recursive: true });
    fs.renameSync(current, snapshot);
    return { snapshot, oldHash, newHash };
  }

  it('the catalog rolls a complete staged backup forward when it refreshes', async () => {
    const root = path.join(base, 'root');
    const { snapshot, oldHash, newHash } = await crashBetweenRenames(root);
    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const listed = catalog.list();
      const current = listed.find((record) => record.location === 'root');
      expect(current?.path).toBe(fs.realpathSync(path.join(root, UDID)));
      expect(current?.createdAt).toBe('2025-01-02T00:00:00.000Z');
      expect(listed.filter((record) => record.location === 'snapshot').map((record) => path.basename(record.path))).toEqual(['20250101-000000']);
    } finally {
      catalog.close();
    }
    expect(hashTree(path.join(root, UDID))).toEqual(newHash);
    expect(hashTree(snapshot)).toEqual(oldHash);
    expect(fs.existsSync(storeLayout(root).journal(UDID))).toBe(false);
  });

  it('rolls back to the previous backup when the staged one is not complete', async () => {
    const root = path.join(base, 'root');
    const { snapshot, oldHash } = await crashBetweenRenames(root, 'uploading');
    expect(await recoverInterruptedCommits(root)).toEqual([UDID]);
    expect(hashTree(path.join(root, UDID))).toEqual(oldHash);
    expect(fs.existsSync(snapshot)).toBe(false);
    expect(fs.readdirSync(storeLayout(root).stagingParent())).toEqual([]);
    expect(fs.existsSync(storeLayout(root).journal(UDID))).toBe(false);
  });

  it('leaves a device alone while its run is live (its lock is held)', async () => {
    const root = path.join(base, 'root');
    await crashBetweenRenames(root);
    const layout = storeLayout(root);
    fs.mkdirSync(path.dirname(layout.runLock(UDID)), { recursive: true });
    fs.writeFileSync(layout.runLock(UDID), String(process.pid));
    expect(await recoverInterruptedCommits(root)).toEqual([]);
    expect(fs.existsSync(layout.journal(UDID))).toBe(true);
    fs.rmSync(layout.runLock(UDID));
  });

  it('`lifeboat backups` lists the new backup as current after the crash', async () => {
    const root = path.join(base, 'root');
    await crashBetweenRenames(root);
    let stdout = '';
    const code = await runCli(['backups', '--json', '--backup-root', root], { stdout: (text) => (stdout += text), stderr: () => undefined, env: {} });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { backups: Array<{ location: string; createdAt: string }> };
    expect(result.backups.find((record) => record.location === 'root')?.createdAt).toBe('2025-01-02T00:00:00.000Z');
  });
});
