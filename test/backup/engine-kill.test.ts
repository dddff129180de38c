import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recoverStore, runBackup } from '../../src/main/backup/engine';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { changePhone } from '../../src/simulator/phone/phone-changes';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { expectBackupMatchesPhone, hashTree, pairWithTool } from './engine-helpers';

const CHILD = path.join(import.meta.dirname, 'engine-kill-child.ts');

/** Starts a backup in a child process and kills it (SIGKILL) once it has received `killAfterBytes`. */
function backupAndKill(harness: SimHarness, root: string, udid: string, killAfterBytes: number): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, harness.sim.address, udid], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (killed) return;
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const event = JSON.parse(line) as { bytesDone?: number };
          if ((event.bytesDone ?? 0) >= killAfterBytes) {
            killed = true;
            child.kill('SIGKILL');
            return;
          }
        } catch {
          // a partial line; the rest comes with the next chunk
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ killed, output }));
  });
}

describe('kill -9 in the middle of a backup', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 23 });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
    await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    await changePhone(device.phone, { seed: 4, addPhotos: 3, modifyFiles: 3, deleteFiles: 2 });
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('leaves the previous backup intact whenever the process dies, and the next run recovers', async () => {
    const folder = path.join(root, device.udid);
    const before = hashTree(folder);
    const total = device.phone.stats().totalBytes;
    for (const fraction of [0.05, 0.4, 0.8]) {
      const { killed, output } = await backupAndKill(harness, root, device.udid, Math.round(total * fraction));
      expect(killed, output).toBe(true);
      expect(hashTree(folder)).toEqual(before);
      // The phone notices the dead host and lets go of its end.
      await vi.waitFor(() => expect(device.isAttached(), 'the virtual iPhone is attached again').toBe(true), { timeout: 10_000, interval: 50 });
    }
    // The dead runs left stagings and a stale run lock; the next start cleans them up.
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging')).length).toBeGreaterThan(0);
    await recoverStore(root, device.udid);
    expect(fs.readdirSync(path.join(root, '.lifeboat', 'staging'))).toEqual([]);
    expect(hashTree(folder)).toEqual(before);

    const result = await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address });
    await expectBackupMatchesPhone(result.folder, device.phone);
  });
});
