import { describe, expect, it } from 'vitest';
import { appError, AppErrorException, type FolderListingView } from '../../shared/contract';
import { createAppStore } from './app-store';
import { fakeApiAnswering } from './fake-main-api';

/** folders:list over a disk where only `there` may be listed; `roots[0]` answers a request without a path. */
function chooserApi(there: readonly string[]) {
  const listing = (folder: string): FolderListingView => ({ path: folder, folders: [], roots: ['/home/alice', '/media'] });
  return fakeApiAnswering({
    'folders:list': (args) => {
      const folder = typeof args.path === 'string' ? args.path : '/home/alice';
      if (!there.includes(folder)) throw new AppErrorException(appError('not-found', `The folder ${folder} does not exist.`));
      return listing(folder);
    },
  });
}

describe('settings slice: where the web folder chooser opens', () => {
  it('opens at the nearest parent of a backup folder whose disk is unplugged, with no error shown', async () => {
    const { api, calls } = chooserApi(['/media', '/media/alice', '/home/alice']);
    const app = createAppStore(api);
    const listing = await app.actions.listFoldersNear('/media/alice/Passport/iPhone Backups');
    expect(listing?.path).toBe('/media/alice');
    expect(calls.map((call) => call.args.path)).toEqual(['/media/alice/Passport/iPhone Backups', '/media/alice/Passport', '/media/alice']);
    expect(app.store.getState().ui.errors).toEqual([]);
  });

  it('opens at the folder in use when it is there, and at the first allowed place when nothing of it may be shown', async () => {
    const { api } = chooserApi(['/home/alice', '/home/alice/Backups']);
    const app = createAppStore(api);
    expect((await app.actions.listFoldersNear('/home/alice/Backups'))?.path).toBe('/home/alice/Backups');
    expect((await app.actions.listFoldersNear('/srv/backups'))?.path).toBe('/home/alice');
    expect((await app.actions.listFoldersNear(undefined))?.path).toBe('/home/alice');
    expect(app.store.getState().ui.errors).toEqual([]);
  });
});
