import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppErrorException } from '../../shared/contract';
import { chooserRoots, listFolders, requireAbsoluteFolder } from './folder-chooser';

const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-folders-')));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof AppErrorException ? `${error.error.code}: ${error.error.message}` : String(error);
  }
  return undefined;
}

describe('the folder chooser', () => {
  it('refuses relative folders with a sentence', () => {
    expect(codeOf(() => requireAbsoluteFolder('backups', 'The backup folder'))).toMatch(/^invalid-argument: The backup folder must be a full path from the top of the disk, such as .*; "backups" is not\./);
    expect(requireAbsoluteFolder('/a/b/../c', 'x')).toBe('/a/c');
  });

  it('lists only visible sub-folders, inside the roots, and never leads out of them', () => {
    const root = path.join(base, 'backups-parent');
    fs.mkdirSync(path.join(root, 'Backups', 'Phone'), { recursive: true });
    fs.mkdirSync(path.join(root, '.hidden'));
    fs.mkdirSync(path.join(root, 'Another'));
    fs.writeFileSync(path.join(root, 'file.txt'), 'x');
    fs.symlinkSync('/etc', path.join(root, 'etc-link'));
    const roots = chooserRoots([path.join(root, 'Backups')]);
    expect(roots).toContain(root);
    const listing = listFolders(root, roots);
    expect(listing.folders.map((folder) => folder.name)).toEqual(['Another', 'Backups']);
    expect(listing.parent === undefined || roots.some((candidate) => listing.parent!.startsWith(candidate))).toBe(true);
    expect(codeOf(() => listFolders(path.join(root, 'etc-link'), [root]))).toMatch(/^invalid-argument: Lifeboat does not show/);
    expect(codeOf(() => listFolders(path.join(root, 'Backups', '..', '..'), [root]))).toMatch(/^invalid-argument/);
    expect(codeOf(() => listFolders('/etc', [root]))).toMatch(/^invalid-argument/);
    expect(codeOf(() => listFolders('relative', [root]))).toMatch(/^invalid-argument: The folder to list must be a full path/);
    expect(listFolders(path.join(root, 'Backups'), [root])).toMatchObject({ parent: root, folders: [{ name: 'Phone', path: path.join(root, 'Backups', 'Phone') }] });
  });
});
