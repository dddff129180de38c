import { describe, expect, it } from 'vitest';
import { KnownTree, MAX_OWN_FILES } from './known-tree';

describe('KnownTree', () => {
  it('holds at most MAX_OWN_FILES of the run\'s own files, forgetting (which is always safe) rather than growing with the backup', () => {
    const known = new KnownTree();
    known.addFolder('/staging/UDID/00');
    for (let index = 0; index <= MAX_OWN_FILES * 2; index += 1) known.addOwnFile(`/staging/UDID/00/${index.toString(16).padStart(40, '0')}`);
    const { folders, ownFiles } = known.snapshot();
    expect(ownFiles.length).toBeLessThanOrEqual(MAX_OWN_FILES);
    // The newest is still known; a forgotten one only costs the next look an lstat.
    expect(known.isOwnFile(`/staging/UDID/00/${(MAX_OWN_FILES * 2).toString(16).padStart(40, '0')}`)).toBe(true);
    expect(known.isOwnFile(`/staging/UDID/00/${(0).toString(16).padStart(40, '0')}`)).toBe(false);
    expect(folders).toEqual(['/staging/UDID/00']);
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
