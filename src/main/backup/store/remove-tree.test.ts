import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fsPromises from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { removeTree } from './remove-tree';

describe('removeTree', () => {
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-remove-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('deletes a tree wider than it removes at once, and never follows a link out of it', async () => {
    const outside = path.join(work, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'kept');
    const tree = path.join(work, 'staging');
    for (const dir of ['00', 'Snapshot/00', 'Snapshot/ff', 'empty']) fs.mkdirSync(path.join(tree, dir), { recursive: true });
    for (let index = 0; index < 300; index++) fs.writeFileSync(path.join(tree, '00', `file-${index}`), String(index));
    fs.writeFileSync(path.join(tree, 'Snapshot', 'ff', 'Manifest.db'), 'db');
    fs.symlinkSync(outside, path.join(tree, 'Snapshot', 'link-to-outside'));
    await removeTree(tree);
    expect(fs.existsSync(tree)).toBe(false);
    expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('kept');
  });

  it('removes empty folders by one rmdir each, listing only the folders that hold something', async () => {
    // A run's staging after its commit: the phone's 256 empty `xx` folders and one that holds a file.
    const tree = path.join(work, 'staging');
    for (let index = 0; index < 256; index++) fs.mkdirSync(path.join(tree, index.toString(16).padStart(2, '0')), { recursive: true });
    fs.writeFileSync(path.join(tree, 'ab', 'left'), 'x');
    const listings = vi.spyOn(fsPromises, 'readdir');
    try {
      await removeTree(tree);
      expect(listings.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      listings.mockRestore();
    }
    expect(fs.existsSync(tree)).toBe(false);
  });

  it('is quiet about a missing folder and removes a file named in its place', async () => {
    await removeTree(path.join(work, 'never-there'));
    const file = path.join(work, 'file');
    fs.writeFileSync(file, 'x');
    await removeTree(file);
    expect(fs.existsSync(file)).toBe(false);
  });
});
