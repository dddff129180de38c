import { describe, expect, it } from 'vitest';
import { AppErrorException } from '../../shared/app-error';
import { checkPhotoImportRequest, type PhotoImportRun, photosNotCopiedOf, runPhotoImportJob } from './photo-import-job';

/** The app's Import Photos and `lifeboat photos import` share these rules (core/photo-import-job.ts). */

function refusal(request: Parameters<typeof checkPhotoImportRequest>[0]): AppErrorException {
  try {
    checkPhotoImportRequest(request);
  } catch (error) {
    if (error instanceof AppErrorException) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('one photo import orchestration for every adapter', () => {
  it('refuses a folder that is not a full path, with a sentence', () => {
    const refused = refusal({ udid: 'PHONE', destination: 'Pictures/iPhone' });
    expect(refused.error.code).toBe('invalid-argument');
    expect(refused.message).toMatch(/The photo folder must be a full path/);
  });

  it('refuses "JPEG only" without the conversion, which would leave neither a JPEG nor the HEIC', () => {
    const refused = refusal({ udid: 'PHONE', destination: '/photos', keepHeicOriginals: false });
    expect(refused.error.code).toBe('invalid-argument');
    expect(refused.message).toMatch(/Convert HEIC to JPEG/);
    expect(checkPhotoImportRequest({ udid: 'PHONE', destination: '/photos', keepHeicOriginals: false, convertHeicToJpeg: true }).keepHeicOriginals).toBe(false);
  });

  it('hands the importer the checked request with the job\'s signal and progress, and its result or failure back', async () => {
    const runs: PhotoImportRun<number>[] = [];
    const signal = new AbortController().signal;
    const progress: number[] = [];
    const request = checkPhotoImportRequest({ udid: 'PHONE', destination: '/photos/../photos/iPhone', reimportDeleted: true });
    const result = await runPhotoImportJob(
      async (run: PhotoImportRun<number>) => {
        runs.push(run);
        run.onProgress(42);
        return 'imported';
      },
      request,
      { signal, onProgress: (value: number) => progress.push(value) },
    );
    expect(result).toBe('imported');
    expect(progress).toEqual([42]);
    expect(runs).toEqual([expect.objectContaining({ udid: 'PHONE', destination: '/photos/iPhone', reimportDeleted: true, signal })]);
    expect(runs[0]).not.toHaveProperty('checked');
    const failure = new Error('cable pulled');
    await expect(runPhotoImportJob(async () => Promise.reject(failure), request, { signal, onProgress: () => undefined })).rejects.toBe(failure);
  });

  it('gives the app the files not copied by name with their reason, the first 200 of however many', () => {
    expect(photosNotCopiedOf([])).toBeUndefined();
    expect(photosNotCopiedOf([{ path: '/DCIM/100APPLE/IMG_0001.HEIC', reason: 'Busy.' }])).toEqual({ count: 1, files: [{ name: 'IMG_0001.HEIC', reason: 'Busy.' }] });
    const many = Array.from({ length: 450 }, (_, index) => ({ path: `/DCIM/101APPLE/IMG_${String(index).padStart(4, '0')}.JPG`, reason: 'Gone.' }));
    const listed = photosNotCopiedOf(many);
    expect(listed?.count).toBe(450);
    expect(listed?.files).toHaveLength(200);
    expect(listed?.files[199]?.name).toBe('IMG_0199.JPG');
  });
});
