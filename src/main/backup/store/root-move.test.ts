import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { moveBackupRoot, type RootMoveFs, type RootMoveProgress } from './root-move';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** An old backup folder with two phones' backups, the first with a Lifeboat snapshot. */
function oldRoot(): { from: string; to: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-move-'));
  made.push(base);
  const from = path.join(base, 'old');
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(from, file)), { recursive: true });
    fs.writeFileSync(path.join(from, file), content);
  };
  for (const udid of ['AAAA0000', 'BBBB1111']) {
    write(`${udid}/Manifest.db`, `manifest of ${udid}`);
    write(`${udid}/Info.plist`, `info of ${udid}`);
    write(`${udid}/ab/ab${udid}`, `content of ${udid}`.repeat(1000));
  }
  write('.lifeboat/snapshots/AAAA0000/20260101-000000/Manifest.db', 'older manifest');
  return { from, to: path.join(base, 'new') };
}

/** Every file under a folder with its bytes, to compare before and after. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return files;
}

/** Bytes of one backup's files and its snapshots' in a tree() listing (UTF-8, as written). */
function bytesOf(files: Record<string, string>, udid: string): number {
  return Object.entries(files)
    .filter(([file]) => file.startsWith(`${udid}/`) || file.startsWith(`.lifeboat/snapshots/${udid}/`))
    .reduce((sum, [, content]) => sum + Buffer.byteLength(content), 0);
}

const crossVolume = (copyFile: RootMoveFs['copyFile'] = (a, b) => fs.copyFileSync(a, b, fs.constants.COPYFILE_EXCL)): RootMoveFs => ({
  rename: () => {
    throw Object.assign(new Error('cross-device link not permitted'), { code: 'EXDEV' });
  },
  copyFile,
});

describe('moveBackupRoot', () => {
  it('renames each backup with its snapshots on one volume, reporting progress', async () => {
    const { from, to } = oldRoot();
    const before = tree(from);
    const progress: RootMoveProgress[] = [];
    expect(await moveBackupRoot(from, to, (step) => progress.push(step))).toEqual({ moved: ['AAAA0000', 'BBBB1111'], left: [] });
    expect(tree(to)).toEqual(before);
    expect(fs.readdirSync(from).filter((name) => !name.startsWith('.'))).toEqual([]);
    // A rename moves a whole backup's bytes (its snapshots' included) at once.
    const aBytes = bytesOf(before, 'AAAA0000');
    const total = aBytes + bytesOf(before, 'BBBB1111');
    expect(progress).toEqual([
      { moved: 0, total: 2, current: 'AAAA0000', bytesMoved: 0, bytesTotal: total },
      { moved: 1, total: 2, current: 'BBBB1111', bytesMoved: aBytes, bytesTotal: total },
      { moved: 2, total: 2, bytesMoved: total, bytesTotal: total },
    ]);
  });

  it('reports the bytes of a copy across volumes as its files arrive, climbing to the total', async () => {
    const { from, to } = oldRoot();
    const before = tree(from);
    const total = bytesOf(before, 'AAAA0000') + bytesOf(before, 'BBBB1111');
    const progress: RootMoveProgress[] = [];
    await moveBackupRoot(from, to, (step) => progress.push(step), crossVolume());
    const bytes = progress.map((step) => step.bytesMoved);
    // More reports than one per backup, never backwards, ending with everything.
    expect(progress.length).toBeGreaterThan(3);
    for (let index = 1; index < bytes.length; index++) expect(bytes[index]).toBeGreaterThanOrEqual(bytes[index - 1]!);
    expect(progress.some((step) => step.bytesMoved > 0 && step.bytesMoved < total && step.moved === 0)).toBe(true);
    expect(progress.at(-1)).toEqual({ moved: 2, total: 2, bytesMoved: total, bytesTotal: total });
  });

  it('copies, verifies and then deletes across volumes', async () => {
    const { from, to } = oldRoot();
    const before = tree(from);
    expect(await moveBackupRoot(from, to, undefined, crossVolume())).toEqual({ moved: ['AAAA0000', 'BBBB1111'], left: [] });
    expect(tree(to)).toEqual(before);
    expect(tree(from)).toEqual({});
  });

  it('loses nothing when a copy fails half-way: what moved is in the new folder, the rest untouched in the old', async () => {
    const { from, to } = oldRoot();
    const before = tree(from);
    let copies = 0;
    // The disk fills up in the middle of the second backup.
    const failing = crossVolume((a, b) => {
      copies += 1;
      if (copies === 6) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      fs.copyFileSync(a, b);
    });
    const result = await moveBackupRoot(from, to, undefined, failing);
    expect(result.moved).toEqual(['AAAA0000']);
    expect(result.left).toEqual(['BBBB1111']);
    expect(result.problem).toMatch(/^Moving BBBB1111 stopped \(no space left on device\); it stays in .*old, unchanged\.$/);
    const moved = tree(to);
    const left = tree(from);
    // Every file is in exactly one of the two places, byte for byte, and no partial copy is left behind.
    expect({ ...moved, ...left }).toEqual(before);
    expect(Object.keys(moved).filter((file) => file in left)).toEqual([]);
    expect(Object.keys(moved).every((file) => file.startsWith('AAAA0000/') || file.startsWith('.lifeboat/snapshots/AAAA0000/'))).toBe(true);
    expect(fs.readdirSync(to).some((name) => name.endsWith('.lifeboat-moving'))).toBe(false);
  });

  it('stops at a name already taken in the new folder, and refuses a folder inside the old one', async () => {
    const { from, to } = oldRoot();
    fs.mkdirSync(path.join(to, 'BBBB1111'), { recursive: true });
    const result = await moveBackupRoot(from, to);
    expect(result).toMatchObject({ moved: ['AAAA0000'], left: ['BBBB1111'] });
    expect(result.problem).toContain('a folder named BBBB1111 is already in');
    expect(fs.readFileSync(path.join(from, 'BBBB1111', 'Manifest.db'), 'utf8')).toBe('manifest of BBBB1111');
    await expect(moveBackupRoot(from, path.join(from, 'inside'))).rejects.toThrow(/cannot be inside the old one/);
  });
});
