import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importPhotos, PhotoImportError } from '../../src/main/photos';
import { type SimHarness, startSimHarness } from '../helpers/sim-harness';
import { filesUnder, pairWithSimulator, partialFilesUnder } from './import-helpers';

/**
 * A full disk during a photo import, on a small tmpfs. Mounting needs root (CAP_SYS_ADMIN); where
 * that is not available the tests are skipped with a message rather than faked.
 */

const MOUNT_SIZE_BYTES = 40 * 1024 * 1024;
let mountPoint: string | undefined;
let harness: SimHarness | undefined;

function tryMount(folder: string, bytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', folder], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Probed while the tests are collected, so the skip decision is known before they run. */
function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  try {
    if (!tryMount(probe, 1024 * 1024)) return false;
    execFileSync('umount', [probe]);
    return true;
  } finally {
    fs.rmdirSync(probe);
  }
}

const mountSupported = canMountTmpfs();
if (!mountSupported) console.warn('Skipping the disk-full photo import tests: mounting a small tmpfs needs Linux and root.');

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
  if (mountPoint) {
    execFileSync('umount', [mountPoint]);
    fs.rmdirSync(mountPoint);
    mountPoint = undefined;
  }
});

async function setUp(sizeBytes: number): Promise<{ h: SimHarness; destination: string }> {
  const h = await startSimHarness();
  harness = h;
  await pairWithSimulator(h.sim.address);
  mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
  if (!tryMount(mountPoint, sizeBytes)) throw new Error(`mounting a tmpfs on ${mountPoint} failed`);
  return { h, destination: path.join(mountPoint, 'photos') };
}

describe('photo import onto a full disk', () => {
  it.skipIf(!mountSupported)('says before copying anything that the photos will not fit', async () => {
    const { h, destination } = await setUp(1024 * 1024);
    const error = await importPhotos({ muxAddress: h.sim.address, destination }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PhotoImportError);
    expect((error as PhotoImportError).code).toBe('disk-full');
    expect((error as PhotoImportError).message).toMatch(/need .* but the disk holding .* has only .* free/);
    expect(filesUnder(destination)).toEqual([]);
  });

  it.skipIf(!mountSupported)('stops with a clear error when the disk fills up mid-import, removing the partial file', async () => {
    const { h, destination } = await setUp(MOUNT_SIZE_BYTES);
    let filled = false;
    const error = await importPhotos({
      muxAddress: h.sim.address,
      destination,
      onProgress: (event) => {
        // Another program takes all the space left while a photo after the second is being copied.
        if (!filled && event.imported >= 2 && (event.currentFileBytesDone ?? 0) > 0) {
          filled = true;
          const filler = fs.openSync(path.join(mountPoint as string, 'filler'), 'w');
          const block = Buffer.alloc(1024 * 1024);
          try {
            for (;;) fs.writeSync(filler, block);
          } catch {
            // ENOSPC: the disk is full now, as intended.
          } finally {
            fs.closeSync(filler);
          }
        }
      },
    }).catch((failure: unknown) => failure);
    expect(filled).toBe(true);
    expect(error).toBeInstanceOf(PhotoImportError);
    const stopped = error as PhotoImportError;
    expect(stopped.code).toBe('disk-full');
    expect(stopped.result.imported).toBeGreaterThanOrEqual(2);
    expect(stopped.message).toMatch(new RegExp(`is full.*${stopped.result.imported} files were copied and kept`));
    expect(partialFilesUnder(destination)).toEqual([]);
    expect(filesUnder(destination).sort()).toEqual(stopped.result.importedFiles.map((file) => file.destination).sort());
  });
});
