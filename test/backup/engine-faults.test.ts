import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BackupError, isBackupError } from '../../src/main/backup/backup-error';
import { runBackup } from '../../src/main/backup/engine';
import { BackgroundFileWriter, type StoreFs, nodeStoreFs, TEMP_PREFIX, type WholeFileWriter } from '../../src/main/backup/store';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import type { FaultPlan } from '../../src/simulator/device/service-context';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { expectBackupMatchesPhone, hashTree, pairWithTool } from './engine-helpers';
import { wrapWriter } from './writer-wrapper';

/**
 * A store whose disk fills up after `budget` bytes of file content: the injected "disk full".
 * `where` says which of the store's write paths count: every one (streamed files, whole writes
 * and the background writer share one budget), or only the background writer, whose failure shows
 * up later, as it would from a writer thread, not at the write call.
 */
function diskFullAfter(budget: number, where: 'every write' | 'background writes only'): StoreFs {
  let written = 0;
  const spend = (bytes: number, target: string): void => {
    written += bytes;
    if (written > budget) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: target });
  };
  const counted = where === 'every write';
  return {
    async createFile(target) {
      const file = await nodeStoreFs.createFile(target);
      return {
        async write(chunk) {
          if (counted) spend(chunk.length, target);
          await file.write(chunk);
        },
        commit: () => file.commit(),
        abort: () => file.abort(),
      };
    },
    async writeFile(target, bytes) {
      if (counted) spend(bytes.length, target);
      await nodeStoreFs.writeFile(target, bytes);
    },
    openWholeFileWriter(known): WholeFileWriter {
      const real = new BackgroundFileWriter({ tempPrefix: TEMP_PREFIX, known });
      let full: Error | undefined;
      return wrapWriter(real, {
        write(target, content) {
          try {
            spend((content instanceof Uint8Array ? [content] : content).reduce((sum, piece) => sum + piece.length, 0), target);
          } catch (error) {
            full ??= error as Error;
          }
          return full === undefined ? real.write(target, content) : undefined;
        },
        injectedFailure: () => full,
      });
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<BackupError> {
  try {
    await promise;
  } catch (error) {
    if (isBackupError(error)) return error;
    throw error;
  }
  throw new Error('The backup was expected to fail.');
}

/**
 * Every way a run can go wrong leaves `<root>/<UDID>` byte-identical to the last complete backup,
 * no staging behind, and the next run works.
 */
describe('a failed backup never touches the previous one', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;
  let folder: string;
  let phoneBytes: number;
  let changeSeed = 100;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 19 });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    folder = path.join(root, device.udid);
    await pairWithTool(harness);
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    phoneBytes = device.phone.stats().totalBytes;
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  async function expectUntouched(run: () => Promise<BackupError>, expectedCode: string | readonly string[]): Promise<BackupError> {
    // Changes on the phone make sure the failed run really had something new to write.
    await changePhone(device.phone, { seed: (changeSeed += 1), addPhotos: 1, modifyFiles: 2, deleteFiles: 1 });
    const before = hashTree(folder);
    const inodeSample = fs.statSync(path.join(folder, 'Manifest.db')).ino;
    const error = await run();
    expect(typeof expectedCode === 'string' ? [expectedCode] : expectedCode, error.message).toContain(error.code);
    expect(hashTree(folder)).toEqual(before);
    expect(fs.statSync(path.join(folder, 'Manifest.db')).ino).toBe(inodeSample);
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging'))).toEqual([]);
    return error;
  }

  async function withFaults(faults: Partial<FaultPlan>, run: () => Promise<BackupError>): Promise<BackupError> {
    device.setFaults({ ...faults, replugAfterMs: 100 });
    try {
      return await run();
    } finally {
      device.setFaults({ unplugAfterBytes: undefined, unplugAfterFiles: undefined, silentAfterBytes: undefined, silentAfterFiles: undefined, malformedReplies: undefined, replugAfterMs: undefined });
      await vi.waitFor(() => expect(device.isAttached(), 'the virtual iPhone is attached again').toBe(true), { timeout: 10_000, interval: 50 });
    }
  }

  const backup = (extra: Parameters<typeof runBackup>[0] = {}): Promise<BackupError> =>
    failure(runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, full: true, ...extra }));

  for (const [label, fraction] of [['early', 0.02], ['midway', 0.5], ['late', 0.9]] as const) {
    it(`survives the cable being pulled ${label} in the transfer`, async () => {
      const error = await expectUntouched(() => withFaults({ unplugAfterBytes: Math.round(phoneBytes * fraction) }, () => backup()), 'disconnected');
      expect(error.message).toMatch(/lost|unplugged|previous backup is unchanged/i);
    });
  }

  it('survives the cable being pulled between two messages', async () => {
    await expectUntouched(() => withFaults({ unplugAfterFiles: 30 }, () => backup()), 'disconnected');
  });

  // The idle time-out (engine/idle-timeout.ts), short here; a silent phone stays connected.
  for (const [label, faults] of [
    ['before the first file', () => ({ silentAfterFiles: 0 })],
    ['in the middle of the files', () => ({ silentAfterBytes: Math.round(phoneBytes * 0.4) })],
  ] as const) {
    it(`gives up on a phone that goes silent ${label}, with a sentence`, async () => {
      const started = Date.now();
      const error = await expectUntouched(() => withFaults(faults(), () => backup({ idleTimeoutMs: 400 })), 'timeout');
      expect(error.message).toMatch(/^The iPhone stopped responding: nothing arrived from it for 400 ms, so the backup was stopped\. The previous backup is unchanged\./);
      expect(Date.now() - started).toBeLessThan(30_000);
    });
  }

  // iOS 16.1+: the phone is silent while its passcode sheet waits for the person (protocol.md §3.10).
  // The idle time-out must hold meanwhile; before it did, a person slower than it lost the backup.
  it('does not count the wait for the passcode as silence: the backup goes on once it is typed', async () => {
    device.setFaults({ passcodePrompt: 'accept', passcodeAnswerMs: 1500 });
    try {
      const phases: string[] = [];
      const result = await runBackup({
        udid: device.udid,
        backupRoot: root,
        muxAddress: harness.sim.address,
        idleTimeoutMs: 400,
        onProgress: (progress) => phases.push(progress.phase),
      });
      expect(phases).toContain('waiting-for-passcode');
      await expectBackupMatchesPhone(result.folder, device.phone);
    } finally {
      device.setFaults({ passcodePrompt: undefined, passcodeAnswerMs: undefined });
    }
  });

  it('ends a passcode nobody types with the phone\'s own 208, not the idle time-out', async () => {
    device.setFaults({ passcodePrompt: 'ignore', passcodeTimeoutMs: 1500 });
    try {
      const error = await expectUntouched(() => backup({ idleTimeoutMs: 400 }), 'device-locked');
      expect(error.message).toMatch(/passcode was not entered/);
    } finally {
      device.setFaults({ passcodePrompt: undefined, passcodeTimeoutMs: undefined });
    }
  });

  it('stops with a clear sentence when the disk fills up', async () => {
    const error = await expectUntouched(() => backup({ storeFs: diskFullAfter(Math.round(phoneBytes / 3), 'every write') }), 'disk-full');
    expect(error.message).toMatch(/full/);
  });

  it('stops with the same sentence when a background write finds the disk full', async () => {
    const error = await expectUntouched(() => backup({ storeFs: diskFullAfter(Math.round(phoneBytes / 3), 'background writes only') }), 'disk-full');
    expect(error.message).toMatch(/full/);
  });

  it('stops cleanly when cancelled in the middle', async () => {
    const controller = new AbortController();
    const error = await expectUntouched(
      () =>
        backup({
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.bytesDone > phoneBytes / 4) controller.abort();
          },
        }),
      'cancelled',
    );
    expect(error.message).toMatch(/cancelled/);
  });

  it('stops when cancelled before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectUntouched(() => backup({ signal: controller.signal }), 'cancelled');
  });

  it('ends with a clear error when the phone sends garbage', async () => {
    await expectUntouched(() => withFaults({ malformedReplies: 'mobilebackup2' }, () => backup()), ['protocol', 'no-device', 'disconnected']);
  });

  // The phone reports almost no free space, so its used space (≈ 120 GB) is what a first backup needs;
  // the backup drive reports 2 GB free (statfs injected for that folder only), so the check runs on
  // every machine instead of being skipped on disks bigger than the phone.
  it('refuses to start when the backup drive is too small, saying how much is needed and how much is free', async () => {
    device.setFaults({ deviceFreeBytes: 0 });
    const freshRoot = path.join(harness.workDir, 'first-backup');
    const realStatfs = fsPromises.statfs;
    const statfs = vi.spyOn(fsPromises, 'statfs').mockImplementation(async (target, options) => {
      const real = await realStatfs(target, options as { bigint?: false });
      return path.resolve(String(target)).startsWith(freshRoot) ? { ...real, bsize: 4096, bavail: 2e9 / 4096 } : real;
    });
    try {
      const error = await backup({ backupRoot: freshRoot });
      expect(error.code).toBe('disk-full');
      expect(error.message).toMatch(/needs about .*GB.* only 2\.0 GB is free/);
      expect(fs.existsSync(path.join(freshRoot, device.udid))).toBe(false);
    } finally {
      statfs.mockRestore();
      device.setFaults({ deviceFreeBytes: undefined });
    }
  });

  it('still backs up normally afterwards, and the sync lock was released every time', async () => {
    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    await expectBackupMatchesPhone(result.folder, device.phone);
  });
});
