import { describe, expect, it } from 'vitest';
import { photosImportArgs } from '../../shared/contract-schemas';
import { createAppStore } from './app-store';
import { fakeApiAnswering } from './fake-main-api';

describe('photos slice', () => {
  it('asks for HEIC to JPEG conversion only when ticked, keeping the originals unless told otherwise, in arguments the contract accepts', async () => {
    const { api, calls } = fakeApiAnswering({ 'settings:set': () => ({}), 'photos:import': () => ({ jobId: 'j1' }) });
    const app = createAppStore(api);
    await app.actions.importPhotos('A', '/photos');
    await app.actions.importPhotos('A', '/photos', { convertHeicToJpeg: true, keepHeicOriginals: true });
    await app.actions.importPhotos('A', '/photos', { convertHeicToJpeg: true, keepHeicOriginals: false });
    const imports = calls.filter((call) => call.channel === 'photos:import').map((call) => call.args);
    expect(imports).toEqual([
      { udid: 'A', destination: '/photos' },
      { udid: 'A', destination: '/photos', convertHeicToJpeg: true, keepHeicOriginals: true },
      { udid: 'A', destination: '/photos', convertHeicToJpeg: true, keepHeicOriginals: false },
    ]);
    for (const args of imports) expect(photosImportArgs.safeParse(args).success).toBe(true);
    expect(photosImportArgs.safeParse({ udid: 'A', destination: '/photos', convertHeicToJpeg: 'yes' }).success).toBe(false);
    expect(app.store.getState().photos.jobId).toBe('j1');
  });
});
