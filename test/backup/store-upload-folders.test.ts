import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteQueue } from '../../src/main/backup/engine/write-queue';
import { ConfinedPaths, nodeStoreFs, type StoreFs, TEMP_PREFIX } from '../../src/main/backup/store';

let dir: string;
let outside: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-outside-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('upload folders: checked once, links refused', () => {
  it('creates missing folders as real directories and refuses a link on the way', async () => {
    const paths = new ConfinedPaths('U', dir);
    await paths.prepareParentFolders(paths.resolve('U/Snapshot/ab/abcd'), 'U/Snapshot/ab/abcd', { create: true });
    expect(fs.lstatSync(path.join(dir, 'Snapshot', 'ab')).isDirectory()).toBe(true);
    fs.symlinkSync(outside, path.join(dir, 'Snapshot', 'cd'));
    await expect(paths.prepareParentFolders(paths.resolve('U/Snapshot/cd/cdef'), 'U/Snapshot/cd/cdef', { create: true })).rejects.toMatchObject({ code: 'hostile-path' });
    await expect(paths.prepareParentFolders(paths.resolve('U/Snapshot/cd/x/y'), 'U/Snapshot/cd/x/y', { create: false })).rejects.toMatchObject({ code: 'hostile-path' });
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('looks at a folder again after known.invalidate() (the device moved or removed something)', async () => {
    const paths = new ConfinedPaths('U', dir);
    const target = paths.resolve('U/ab/file');
    await paths.prepareParentFolders(target, 'U/ab/file', { create: true });
    fs.rmSync(path.join(dir, 'ab'), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, 'ab'));
    // Still remembered as checked: this is why the drive loop invalidates after a request that changes the tree.
    await paths.prepareParentFolders(target, 'U/ab/file', { create: true });
    paths.known.invalidate();
    await expect(paths.prepareParentFolders(target, 'U/ab/file', { create: true })).rejects.toMatchObject({ code: 'hostile-path' });
  });

  it('reports a file where a folder must go as ENOTDIR, and creates nothing when asked not to', async () => {
    const paths = new ConfinedPaths('U', dir);
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    await expect(paths.prepareParentFolders(paths.resolve('U/plain/file'), 'U/plain/file', { create: true })).rejects.toMatchObject({ code: 'ENOTDIR' });
    await paths.prepareParentFolders(paths.resolve('U/new/deeper/file'), 'U/new/deeper/file', { create: false });
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('makes a CreateDirectory folder with its parents, refusing links here and behind, and knows it afterwards', async () => {
    const behind = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-behind-'));
    try {
      fs.symlinkSync(outside, path.join(behind, 'cd'));
      const paths = new ConfinedPaths('U', dir, new Map(), behind);
      await paths.makeFolder('U/Snapshot/ab');
      await paths.makeFolder('U/Snapshot/ab');
      expect(fs.lstatSync(path.join(dir, 'Snapshot', 'ab')).isDirectory()).toBe(true);
      // What it made is known: resolving it again (a listing, a removal at the end of the run) looks at nothing.
      const lstats = vi.spyOn(fs, 'lstatSync');
      try {
        expect(await paths.resolveChecked('U/Snapshot/ab')).toBe(path.join(dir, 'Snapshot', 'ab'));
        expect(lstats).not.toHaveBeenCalled();
      } finally {
        lstats.mockRestore();
      }
      // A link in the previous backup behind staging, or in staging itself, is refused; nothing is made through it.
      await expect(paths.makeFolder('U/cd/ef')).rejects.toMatchObject({ code: 'hostile-path' });
      fs.symlinkSync(outside, path.join(dir, 'gh'));
      await expect(paths.makeFolder('U/gh/ij')).rejects.toMatchObject({ code: 'hostile-path' });
      expect(fs.readdirSync(outside)).toEqual([]);
      // A file where the folder goes answers as mkdir -p does.
      fs.writeFileSync(path.join(dir, 'plain'), 'x');
      await expect(paths.makeFolder('U/plain')).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(paths.makeFolder('U/plain/below')).rejects.toMatchObject({ code: 'ENOTDIR' });
    } finally {
      fs.rmSync(behind, { recursive: true, force: true });
    }
  });

  it('has one required way per kind of write: a store that leaves one out does not type-check', () => {
    // @ts-expect-error: without writeFile and openWholeFileWriter a store could send the engine down a fallback
    const streamingOnly: StoreFs = { createFile: (target: string) => nodeStoreFs.createFile(target) };
    expect(typeof streamingOnly.createFile).toBe('function');
    expect([nodeStoreFs.createFile, nodeStoreFs.writeFile, nodeStoreFs.openWholeFileWriter].every((method) => typeof method === 'function')).toBe(true);
  });

  it('writes whole files through a temporary name that replaces a link at the target instead of following it', async () => {
    const target = path.join(dir, 'file');
    fs.symlinkSync(path.join(outside, 'victim'), target);
    await nodeStoreFs.writeFile(target, Buffer.from('new'));
    expect(fs.lstatSync(target).isFile()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readdirSync(dir).filter((name) => name.startsWith(TEMP_PREFIX))).toEqual([]);
  });
});

describe('WriteQueue', () => {
  it('keeps at most maxJobs running, keeps the first error, and drains everything', async () => {
    const queue = new WriteQueue(3, 1000);
    let running = 0;
    let peak = 0;
    const finished: number[] = [];
    for (let index = 0; index < 10; index += 1) {
      await queue.add(10, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        if (index === 4) throw new Error('disk on fire');
        if (index === 6) throw new Error('second failure');
        finished.push(index);
      });
    }
    await queue.drain();
    expect(peak).toBe(3);
    expect(running).toBe(0);
    expect(finished.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 5, 7, 8, 9]);
    expect(queue.hasFailed).toBe(true);
    expect((queue.error as Error).message).toBe('disk on fire');
  });

  it('holds a job back while the bytes in flight would pass maxBytes', async () => {
    const queue = new WriteQueue(100, 25);
    let bytes = 0;
    let peakBytes = 0;
    for (let index = 0; index < 6; index += 1) {
      await queue.add(10, async () => {
        bytes += 10;
        peakBytes = Math.max(peakBytes, bytes);
        await new Promise((resolve) => setImmediate(resolve));
        bytes -= 10;
      });
    }
    await queue.drain();
    expect(peakBytes).toBe(20);
  });
});
