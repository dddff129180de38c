import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { KnownTree, MAX_OWN_FILES } from './known-tree';

const FOLDER = '/staging/000001AC-A365F41CBC5E8EAC';
/** A full backup's upload, `Snapshot/xx/<40 hex>` (protocol.md §3.5), as ConfinedPaths resolves it. */
const name = (index: number): string => {
  const id = index.toString(16).padStart(40, '0');
  return `${FOLDER}/Snapshot/${id.slice(-2)}/${id}`;
};

describe('KnownTree', () => {
  it('holds at most MAX_OWN_FILES of the run\'s own files, forgetting (which is always safe) rather than growing with the backup', () => {
    const known = new KnownTree(FOLDER);
    known.addFolder(`${FOLDER}/00`);
    for (let index = 0; index <= MAX_OWN_FILES + 1_000; index += 1) known.addOwnFile(name(index));
    const { folders, ownFiles } = known.snapshot();
    expect(ownFiles.length).toBeLessThanOrEqual(MAX_OWN_FILES);
    // A full backup moves its files in upload order after the last upload: the first ones
    // uploaded are the first moved, so they are the ones kept; a forgotten one only costs an lstat.
    expect(known.isOwnFile(name(0))).toBe(true);
    expect(known.isOwnFile(name(MAX_OWN_FILES + 1_000))).toBe(false);
    expect(folders).toEqual([`${FOLDER}/00`]);
    // Moving a known file frees its entry for the file at its new name.
    known.fileRenamed(name(0), `${FOLDER}/00/moved`);
    expect([known.isOwnFile(name(0)), known.isOwnFile(`${FOLDER}/00/moved`)]).toEqual([false, true]);
  });

  it('keeps the names of its own files out of the JavaScript heap', () => {
    // As 200,000 strings they were ~30 MB of live heap, which V8 let grow several-fold in garbage
    // before collecting: the huge profile's full backup peaked at 381 MB instead of 166 MB.
    v8.setFlagsFromString('--expose-gc');
    const collect = vm.runInNewContext('gc') as () => void;
    const known = new KnownTree(FOLDER);
    collect();
    const before = process.memoryUsage().heapUsed;
    for (let index = 0; index < MAX_OWN_FILES; index += 1) known.addOwnFile(name(index));
    collect();
    const grown = process.memoryUsage().heapUsed - before;
    expect(known.isOwnFile(name(MAX_OWN_FILES - 1))).toBe(true);
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });

  it('keeps a renamed own file known, and forgets what a rename replaced', () => {
    const known = new KnownTree();
    known.addOwnFile('/s/a');
    known.fileRenamed('/s/a', '/s/b');
    expect([known.isOwnFile('/s/a'), known.isOwnFile('/s/b')]).toEqual([false, true]);
    known.addOwnFile('/s/c');
    known.fileRenamed('/s/x', '/s/c');
    expect(known.isOwnFile('/s/c')).toBe(false);
  });
});
