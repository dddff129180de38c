import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DELTA_MARKER,
  applyRetention,
  completeBackupFolder,
  deleteSnapshot,
  listSnapshots,
  openBackupRun,
  readJournal,
  recoverStore,
  storeLayout,
} from '../../src/main/backup/store';
import { encodeBinaryPlist } from '../../src/main/device/codec';
import { hashTree } from './engine-helpers';

/**
 * Reverse-delta snapshots (README "How snapshots work"): a run touches only what changed, every
 * snapshot still reads as the whole backup it was, and a crash at any step of the commit ends
 * with `<root>/<UDID>` either the whole previous or the whole new backup.
 */

const UDID = '00008110-000A1B2C3D4E801E';
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-delta-'));
let root: string;
let counter = 0;
beforeEach(() => {
  counter += 1;
  root = path.join(base, `root-${counter}`);
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

type Files = Record<string, string>;

function status(date: string, full = false): Buffer {
  return encodeBinaryPlist({ SnapshotState: 'finished', Date: new Date(date), IsFullBackup: full });
}

function writeTree(folder: string, files: Files, date: string, full = false): void {
  for (const [relative, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, relative)), { recursive: true });
    fs.writeFileSync(path.join(folder, relative), content);
  }
  fs.writeFileSync(path.join(folder, 'Status.plist'), status(date, full));
}

/** The files of a folder with their hashes (folders left out: a materialised snapshot only has those holding files). */
function filesOf(folder: string): Map<string, string> {
  return new Map([...hashTree(folder)].filter(([name]) => !name.endsWith('/') && name !== DELTA_MARKER));
}

const OLD: Files = { 'aa/aa01': 'unchanged', 'bb/bb02': 'old content', 'cc/cc03': 'removed later', 'Manifest.db': 'old manifest' };

/** One incremental run through the store: what the phone writes and removes, as the engine would do it. */
async function incrementalRun(writes: Files, removes: readonly string[], date: string, onCommitStep?: (step: number) => void): Promise<string | undefined> {
  const run = await openBackupRun(root, UDID, { flushTree: async () => undefined, ...(onCommitStep ? { onCommitStep } : {}) });
  try {
    writeTree(run.staging, writes, date);
    for (const relative of removes) run.previous?.hide(`${UDID}/${relative}`);
    return await run.commit();
  } finally {
    await run.discard();
  }
}

describe('a run under reverse deltas', () => {
  it('reads the previous backup through staging and never writes it; the commit moves only what changed', async () => {
    const current = storeLayout(root).current(UDID);
    writeTree(current, OLD, '2025-03-01T00:00:00Z');
    const before = filesOf(current);
    const unchangedInode = fs.statSync(path.join(current, 'aa', 'aa01')).ino;

    const run = await openBackupRun(root, UDID, { flushTree: async () => undefined });
    expect(fs.readdirSync(run.staging)).toEqual([]);
    const previous = run.previous;
    expect(previous).toBeDefined();
    expect(await previous?.resolveForRead(`${UDID}/Manifest.db`)).toBe(path.join(current, 'Manifest.db'));
    previous?.hide(`${UDID}/cc/cc03`);
    expect(await previous?.resolveForRead(`${UDID}/cc/cc03`)).toBeUndefined();
    expect([...((await previous?.list(`${UDID}/cc`)) ?? [])]).toEqual([]);
    expect([...((await previous?.list(`${UDID}/aa`)) ?? new Map()).keys()]).toEqual(['aa01']);
    writeTree(run.staging, { 'bb/bb02': 'new content', 'dd/dd04': 'added', 'Manifest.db': 'new manifest' }, '2025-03-02T00:00:00Z');
    expect(filesOf(current)).toEqual(before);
    const snapshot = (await run.commit()) as string;

    expect(fs.readFileSync(path.join(current, 'bb', 'bb02'), 'utf8')).toBe('new content');
    expect(fs.readFileSync(path.join(current, 'dd', 'dd04'), 'utf8')).toBe('added');
    expect(fs.existsSync(path.join(current, 'cc', 'cc03'))).toBe(false);
    expect(fs.statSync(path.join(current, 'aa', 'aa01')).ino).toBe(unchangedInode);
    // The snapshot holds only what the new backup replaced or removed, and reads as the whole old backup.
    expect([...filesOf(snapshot).keys()].sort()).toEqual(['Manifest.db', 'Status.plist', 'bb/bb02', 'cc/cc03']);
    expect(filesOf(await completeBackupFolder(snapshot, root))).toEqual(before);
    expect((await listSnapshots(root, UDID)).map((entry) => entry.id)).toEqual(['current', '20250301-000000']);
  });

  it('makes each destination folder once per commit, not before every rename', async () => {
    const current = storeLayout(root).current(UDID);
    const old: Files = {};
    const changed: Files = {};
    for (let index = 0; index < 40; index++) {
      old[`aa/aa${index}`] = `old ${index}`;
      changed[`aa/aa${index}`] = `new ${index}`;
    }
    writeTree(current, old, '2025-03-01T00:00:00Z');
    const folders = vi.spyOn(fsPromises, 'mkdir');
    let snapshot: string | undefined;
    try {
      snapshot = await incrementalRun(changed, [], '2025-03-02T00:00:00Z');
      // 80 renames (old copy out, new one in) into two folders: the snapshot's `aa` and the live one.
      expect(folders.mock.calls.length).toBeLessThan(20);
    } finally {
      folders.mockRestore();
    }
    expect(fs.readFileSync(path.join(current, 'aa', 'aa7'), 'utf8')).toBe('new 7');
    expect(fs.readFileSync(path.join(snapshot as string, 'aa', 'aa7'), 'utf8')).toBe('old 7');
  });

  it('publishes a full backup whole, the previous one becoming a complete snapshot', async () => {
    const current = storeLayout(root).current(UDID);
    writeTree(current, OLD, '2025-03-01T00:00:00Z');
    const before = filesOf(current);
    const run = await openBackupRun(root, UDID, { flushTree: async () => undefined });
    writeTree(run.staging, { 'aa/aa01': 'unchanged', 'bb/bb02': 'new content' }, '2025-03-02T00:00:00Z', true);
    const snapshot = (await run.commit()) as string;
    expect(fs.existsSync(path.join(snapshot, DELTA_MARKER))).toBe(false);
    expect(filesOf(snapshot)).toEqual(before);
    expect([...filesOf(current).keys()].sort()).toEqual(['Status.plist', 'aa/aa01', 'bb/bb02']);
  });
});

describe('a crash at every step of the commit', () => {
  const NEW_WRITES: Files = { 'bb/bb02': 'new content', 'ee/ee05': 'added in a new folder', 'Manifest.db': 'new manifest' };

  async function expectedAfterCleanRun(): Promise<{ steps: number; newFiles: Map<string, string> }> {
    const layout = storeLayout(root);
    writeTree(layout.current(UDID), OLD, '2025-03-01T00:00:00Z');
    let steps = 0;
    await incrementalRun(NEW_WRITES, ['cc/cc03'], '2025-03-02T00:00:00Z', (step) => {
      steps = step;
    });
    return { steps, newFiles: filesOf(layout.current(UDID)) };
  }

  it('is rolled forward from the journal, whichever rename it stopped before', async () => {
    const { steps, newFiles } = await expectedAfterCleanRun();
    // Removed cc03, then bb02 and Manifest.db (old out, new in), Status.plist (old out, new in), ee05 in.
    expect(steps).toBe(8);
    for (let crashAt = 1; crashAt <= steps; crashAt += 1) {
      root = path.join(base, `crash-${counter}-${crashAt}`);
      const layout = storeLayout(root);
      writeTree(layout.current(UDID), OLD, '2025-03-01T00:00:00Z');
      const oldFiles = filesOf(layout.current(UDID));
      const crash = (step: number): void => {
        if (step === crashAt) throw new Error(`power cut before rename ${step}`);
      };
      await expect(incrementalRun(NEW_WRITES, ['cc/cc03'], '2025-03-02T00:00:00Z', crash)).rejects.toThrow(/power cut/);
      expect(await readJournal(layout, UDID)).toBeDefined();
      await recoverStore(root, UDID);
      expect(filesOf(layout.current(UDID)), `crash before rename ${crashAt}`).toEqual(newFiles);
      const [snapshot] = (await listSnapshots(root, UDID)).filter((entry) => !entry.isCurrent);
      expect(filesOf(await completeBackupFolder(snapshot?.path as string, root)), `crash before rename ${crashAt}`).toEqual(oldFiles);
      expect(await readJournal(layout, UDID)).toBeUndefined();
      expect(fs.readdirSync(layout.stagingParent())).toEqual([]);
    }
  });

  it('is rolled back, byte for byte, when the disk lost a staged file the journal still needs', async () => {
    const layout = storeLayout(root);
    const current = layout.current(UDID);
    writeTree(current, OLD, '2025-03-01T00:00:00Z');
    const before = hashTree(current);
    const crash = (step: number): void => {
      if (step !== 3) return;
      // A staged file that has not moved yet vanishes (a disk that lost writes), then the power goes.
      const staging = path.join(layout.stagingParent(), fs.readdirSync(layout.stagingParent())[0] as string);
      fs.rmSync(path.join(staging, 'ee'), { recursive: true, force: true });
      throw new Error('power cut');
    };
    await expect(incrementalRun(NEW_WRITES, ['cc/cc03'], '2025-03-02T00:00:00Z', crash)).rejects.toThrow(/power cut/);
    await recoverStore(root, UDID);
    expect(hashTree(current)).toEqual(before);
    expect((await listSnapshots(root, UDID)).map((entry) => entry.id)).toEqual(['current']);
    expect(await readJournal(layout, UDID)).toBeUndefined();
  });
});

describe('the chain of snapshots', () => {
  /** Four backups: an old full snapshot (the design before reverse deltas), then three runs. */
  async function buildChain(): Promise<Map<string, Map<string, string>>> {
    const layout = storeLayout(root);
    const legacy = path.join(layout.snapshots(UDID), '20250101-000000');
    writeTree(legacy, { 'aa/aa01': 'v0', 'zz/zz09': 'only in the oldest' }, '2025-01-01T00:00:00Z');
    writeTree(layout.current(UDID), OLD, '2025-03-01T00:00:00Z');
    const expected = new Map<string, Map<string, string>>([['20250101-000000', filesOf(legacy)], ['20250301-000000', filesOf(layout.current(UDID))]]);
    await incrementalRun({ 'bb/bb02': 'second', 'dd/dd04': 'added second' }, ['cc/cc03'], '2025-03-02T00:00:00Z');
    expected.set('20250302-000000', filesOf(layout.current(UDID)));
    await incrementalRun({ 'aa/aa01': 'third', 'ff/ff06': 'added third' }, ['dd/dd04'], '2025-03-03T00:00:00Z');
    expected.set('20250303-000000', filesOf(layout.current(UDID)));
    await incrementalRun({ 'bb/bb02': 'fourth' }, [], '2025-03-04T00:00:00Z');
    return expected;
  }

  async function expectWhole(expected: Map<string, Map<string, string>>): Promise<void> {
    const snapshots = (await listSnapshots(root, UDID)).filter((entry) => !entry.isCurrent);
    for (const snapshot of snapshots) {
      // A fresh materialisation each time: a cached view would hide a chain that no longer adds up.
      fs.rmSync(path.join(root, '.lifeboat', 'views'), { recursive: true, force: true });
      expect(filesOf(await completeBackupFolder(snapshot.path, root)), snapshot.id).toEqual(expected.get(snapshot.id));
    }
  }

  it('reads every snapshot, an old full one included, as the whole backup it was', async () => {
    const expected = await buildChain();
    expect((await listSnapshots(root, UDID)).map((entry) => entry.id)).toEqual(['current', '20250303-000000', '20250302-000000', '20250301-000000', '20250101-000000']);
    await expectWhole(expected);
  });

  it('keeps the others whole when snapshots in the middle are deleted', async () => {
    const expected = await buildChain();
    const byId = async (id: string) => (await listSnapshots(root, UDID)).find((entry) => entry.id === id);
    await deleteSnapshot(root, UDID, (await byId('20250302-000000'))!);
    await expectWhole(expected);
    await deleteSnapshot(root, UDID, (await byId('20250301-000000'))!);
    await expectWhole(expected);
  });

  it('makes the delta below a deleted complete snapshot complete itself', async () => {
    const layout = storeLayout(root);
    writeTree(layout.current(UDID), OLD, '2025-03-01T00:00:00Z');
    const expected = new Map([['20250301-000000', filesOf(layout.current(UDID))]]);
    await incrementalRun({ 'bb/bb02': 'second' }, ['cc/cc03'], '2025-03-02T00:00:00Z');
    expected.set('20250302-000000', filesOf(layout.current(UDID)));
    // A full backup in between: the backup it replaces becomes a complete snapshot.
    const run = await openBackupRun(root, UDID, { flushTree: async () => undefined });
    writeTree(run.staging, { 'aa/aa01': 'full', 'Manifest.db': 'full manifest' }, '2025-03-03T00:00:00Z', true);
    await run.commit();
    expected.set('20250303-000000', filesOf(layout.current(UDID)));
    await incrementalRun({ 'aa/aa01': 'fourth' }, [], '2025-03-04T00:00:00Z');
    const snapshots = await listSnapshots(root, UDID);
    expect(fs.existsSync(path.join(snapshots.find((entry) => entry.id === '20250302-000000')!.path, DELTA_MARKER))).toBe(false);
    await deleteSnapshot(root, UDID, snapshots.find((entry) => entry.id === '20250302-000000')!);
    expect(fs.existsSync(path.join(snapshots.find((entry) => entry.id === '20250301-000000')!.path, DELTA_MARKER))).toBe(false);
    await expectWhole(expected);
  });

  it('applies retention newest first, each deleted snapshot handing on what the older ones need', async () => {
    const expected = await buildChain();
    // The newest and one a month for three months: the two in the middle go.
    const pruned = await applyRetention(root, UDID, { keepLast: 1, keepMonthly: 3 }, new Date('2025-03-05T00:00:00Z'));
    expect(pruned).toEqual(['20250302-000000', '20250301-000000']);
    await expectWhole(expected);
    expect((await listSnapshots(root, UDID)).map((entry) => entry.id)).toEqual(['current', '20250303-000000', '20250101-000000']);
  });

  it('refuses to publish through a folder of the previous backup that is a symbolic link, moving nothing', async () => {
    const current = storeLayout(root).current(UDID);
    writeTree(current, OLD, '2025-03-01T00:00:00Z');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not move');
    fs.symlinkSync(outside, path.join(current, 'cd'));
    const before = hashTree(current);
    // A new file below the link (the rename would land outside), and a removal below it (the
    // outside file would be moved into the snapshot).
    for (const [writes, removes] of [[{ 'cd/pwned': 'pwned' }, []], [{ 'bb/bb02': 'new' }, ['cd/secret.txt']]] as const) {
      const error = await incrementalRun(writes, removes, '2025-03-02T00:00:00Z').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'hostile-path' });
      expect(hashTree(current)).toEqual(before);
      expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    }
  });
});
