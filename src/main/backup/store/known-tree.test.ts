import { describe, expect, it } from 'vitest';
import { KnownTree, MAX_OWN_FILES } from './known-tree';

describe('KnownTree', () => {
  it('holds at most MAX_OWN_FILES of the run\'s own files, forgetting (which is always safe) rather than growing with the backup', () => {
    const known = new KnownTree();
    known.addFolder('/staging/UDID/00');
    const name = (index: number): string => `/staging/UDID/Snapshot/00/${index.toString(16).padStart(40, '0')}`;
    for (let index = 0; index <= MAX_OWN_FILES + 1_000; index += 1) known.addOwnFile(name(index));
    const { folders, ownFiles } = known.snapshot();
    expect(ownFiles.length).toBeLessThanOrEqual(MAX_OWN_FILES);
    // A full backup moves its files in upload order after the last upload: the first ones
    // uploaded are the first moved, so they are the ones kept; a forgotten one only costs an lstat.
    expect(known.isOwnFile(name(0))).toBe(true);
    expect(known.isOwnFile(name(MAX_OWN_FILES + 1_000))).toBe(false);
    expect(folders).toEqual(['/staging/UDID/00']);
    // Moving a known file frees its entry for the file at its new name.
    known.fileRenamed(name(0), '/staging/UDID/00/moved');
    expect([known.isOwnFile(name(0)), known.isOwnFile('/staging/UDID/00/moved')]).toEqual([false, true]);
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
