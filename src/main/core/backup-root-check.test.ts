import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupRootCheck, type FolderProbe, statProbe } from './backup-root-check';

/** Resolves once the event loop has gone round once: a check that waits for a timer loses this race. */
function afterOneTurn(): Promise<'waited'> {
  return new Promise((resolve) => setImmediate(() => resolve('waited')));
}

/** A look that answers only when the test says so (a server that stopped answering), counting looks. */
function heldProbe(): { probe: FolderProbe; looks: () => number; answer: (there: boolean) => void } {
  const answers: ((there: boolean) => void)[] = [];
  return {
    probe: () => new Promise<boolean>((resolve) => answers.push(resolve)),
    looks: () => answers.length,
    answer: (there) => answers.at(-1)?.(there),
  };
}

describe('BackupRootCheck', () => {
  it('says unreachable after its time-out, then answers at once without a second look while the first is out', async () => {
    const held = heldProbe();
    const check = new BackupRootCheck(held.probe, 20);
    expect(await check.check('/nas/backups')).toBe('unreachable');
    // Past the first look's deadline: no new wait, and no second thread of libuv's pool held.
    expect(await Promise.race([check.check('/nas/backups'), afterOneTurn()])).toBe('unreachable');
    expect(held.looks()).toBe(1);
  });

  it('looks again once the server has answered, and says what it found', async () => {
    const held = heldProbe();
    // The first look is held; the next one finds the disk gone.
    const probe: FolderProbe = (folder) => (held.looks() === 0 ? held.probe(folder) : Promise.resolve(false));
    const check = new BackupRootCheck(probe, 20);
    expect(await check.check('/nas/backups')).toBe('unreachable');
    held.answer(true);
    await afterOneTurn();
    expect(await check.check('/nas/backups')).toBe('missing');
  });

  it('waits for a look that answers in time, and calls an error from the disk unreachable', async () => {
    expect(await new BackupRootCheck(async () => true, 60_000).check('/media/disk')).toBe('there');
    expect(await new BackupRootCheck(() => Promise.reject(Object.assign(new Error('stale'), { code: 'ESTALE' })), 60_000).check('/nas')).toBe('unreachable');
  });

  it('tells a permission error and a disk error apart from a server that did not answer', async () => {
    const failingWith = (code: string): FolderProbe => () => Promise.reject(Object.assign(new Error(code), { code }));
    expect(await new BackupRootCheck(failingWith('EACCES'), 60_000).check('/media/disk')).toBe('forbidden');
    expect(await new BackupRootCheck(failingWith('EPERM'), 60_000).check('/Volumes/Disk')).toBe('forbidden');
    expect(await new BackupRootCheck(failingWith('EIO'), 60_000).check('/media/disk')).toBe('failing');
    expect(await new BackupRootCheck(failingWith('EROFS'), 60_000).check('/Volumes/NTFS')).toBe('read-only');
  });

  it('looks with a real stat: a folder that is there, and one that is not', async () => {
    const check = new BackupRootCheck(statProbe, 60_000);
    expect(await check.check(os.tmpdir())).toBe('there');
    expect(await check.check(path.join(os.tmpdir(), 'lifeboat-no-such-disk', 'Backups'))).toBe('missing');
  });
});
