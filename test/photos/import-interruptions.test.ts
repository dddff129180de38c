import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPhotos, PhotoImportError } from '../../src/main/photos';
import type { SimHarness } from '../helpers/sim-harness';
import { dcimEntries, filesUnder, pairedPhonePerTest, partialFilesUnder, sha1OfLocalFile, sha1OfPhoneFile } from './import-helpers';

/** A photo import stopped half way (cancel, cable pulled) leaves only complete photos behind. */

const setUp = pairedPhonePerTest('photos');

/** Every file in the folder is a complete copy of a phone file: none truncated, none partial. */
async function expectOnlyCompletePhotos(h: SimHarness, udid: string, destination: string, imported: readonly { devicePath: string; destination: string }[]): Promise<void> {
  expect(partialFilesUnder(destination)).toEqual([]);
  expect(filesUnder(destination).sort()).toEqual(imported.map((file) => file.destination).sort());
  const phone = h.sim.device(udid).phone;
  const onPhone = dcimEntries(phone);
  for (const file of imported) {
    const entry = onPhone.get(file.devicePath);
    if (!entry) throw new Error(`${file.devicePath} is not on the phone`);
    expect(sha1OfLocalFile(path.join(destination, ...file.destination.split('/'))), file.destination).toBe(await sha1OfPhoneFile(phone, entry));
  }
}

async function stoppedImport(run: Promise<unknown>): Promise<PhotoImportError> {
  const error = await run.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(PhotoImportError);
  return error as PhotoImportError;
}

describe('interrupted photo import', () => {
  it('cancels mid-file without leaving a partial file, and the next run copies the rest', async () => {
    const { h, udid, destination } = await setUp();
    const total = dcimEntries(h.sim.device(udid).phone).size;
    const controller = new AbortController();
    let sawPartial = false;
    let downloadedAtCancel = 0;
    const error = await stoppedImport(
      importPhotos({
        muxAddress: h.sim.address,
        destination,
        signal: controller.signal,
        onProgress: (event) => {
          // Abort in the middle of a file once three are published, while its partial file exists
          // (copies published in batches: a finished one may still wait under its partial name too).
          if (event.phase === 'copying' && event.imported >= 3 && (event.currentFileBytesDone ?? 0) > 0 && !controller.signal.aborted) {
            sawPartial = partialFilesUnder(destination).length >= 1;
            downloadedAtCancel = event.filesDone;
            controller.abort();
          }
        },
      }),
    );
    expect(sawPartial).toBe(true);
    expect(error.code).toBe('cancelled');
    expect(error.message).toMatch(/cancelled/);
    // Nothing new after the cancel: the file in flight is not kept.
    const kept = error.result.imported;
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThanOrEqual(downloadedAtCancel);
    expect(error.message).toMatch(new RegExp(`${kept} files were copied and kept`));
    await expectOnlyCompletePhotos(h, udid, destination, error.result.importedFiles);

    const rest = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(rest.skipped).toBe(kept);
    expect(rest.imported).toBe(total - kept);
    expect(filesUnder(destination)).toHaveLength(total);
  });

  it('reports a pulled cable clearly, keeps the photos copied before it and resumes after reconnecting', async () => {
    const { h, udid, destination } = await setUp();
    const device = h.sim.device(udid);
    const total = dcimEntries(device.phone).size;
    let pulled = false;
    let downloadedAtPull = 0;
    const error = await stoppedImport(
      importPhotos({
        muxAddress: h.sim.address,
        destination,
        onProgress: (event) => {
          if (!pulled && event.phase === 'copying' && event.imported >= 5 && (event.currentFileBytesDone ?? 0) > 0) {
            pulled = true;
            downloadedAtPull = event.filesDone;
            device.unplug('test pulls the cable');
          }
        },
      }),
    );
    expect(error.code).toBe('disconnected');
    // Every copy complete before the pull is kept (published after it too); the file in flight
    // may still complete if its last bytes had already arrived.
    const copied = error.result.imported;
    expect(copied).toBeGreaterThanOrEqual(downloadedAtPull);
    expect(copied).toBeLessThanOrEqual(downloadedAtPull + 1);
    expect(error.message).toMatch(new RegExp(`connection to the iPhone was lost.*${copied} files were copied and kept`));
    await expectOnlyCompletePhotos(h, udid, destination, error.result.importedFiles);

    device.plug();
    const rest = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(rest).toMatchObject({ skipped: copied, imported: total - copied, failed: [] });
    await expectOnlyCompletePhotos(h, udid, destination, [...error.result.importedFiles, ...rest.importedFiles]);
  });

  it('removes partial files a killed import left behind and does not re-import deleted photos unless asked', async () => {
    const { h, udid, destination } = await setUp();
    const first = await importPhotos({ muxAddress: h.sim.address, destination });
    const [gone] = first.importedFiles;
    if (!gone) throw new Error('nothing was imported');
    const leftover = path.join(destination, `${gone.destination}.lifeboat-partial`);
    fs.writeFileSync(leftover, 'half a photo');
    fs.rmSync(path.join(destination, ...gone.destination.split('/')));

    const again = await importPhotos({ muxAddress: h.sim.address, destination });
    expect(again).toMatchObject({ imported: 0, skipped: first.imported });
    expect(fs.existsSync(leftover)).toBe(false);

    const restored = await importPhotos({ muxAddress: h.sim.address, destination, reimportDeleted: true });
    expect(restored.importedFiles.map((file) => file.destination)).toEqual([gone.destination]);
    await expectOnlyCompletePhotos(h, udid, destination, first.importedFiles);
  });
});
