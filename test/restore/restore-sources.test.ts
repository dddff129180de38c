import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { openBackupBrowser } from '../../src/main/browser';
import { runBackup, setBackupEncryption } from '../../src/main/backup/engine';
import { exportCameraRollFromBackup } from '../../src/main/photos';
import { runRestore } from '../../src/main/restore';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import type { PhoneEntry } from '../../src/simulator/phone/phone-model';
import { hashTree, pairWithTool } from '../backup/engine-helpers';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { backup2 } from '../simulator/idevicebackup2-helpers';
import { digestOf, eraseAndPair, expectPhoneEqualsGenerated } from './restore-helpers';

const SEED = 29;
const PASSWORD = 'correct horse';

async function contentOf(device: VirtualDevice, entry: PhoneEntry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of device.phone.readContent(entry)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Restoring from backups Lifeboat did not make itself, and from encrypted ones; exporting the Camera Roll. */
describe('restore from idevicebackup2 and encrypted backups', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  const savedKdf = process.env.LIFEBOAT_SIM_KDF_ITERATIONS;

  beforeAll(async () => {
    process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '50';
    harness = await startSimHarness({ seed: SEED });
    device = harness.sim.devices()[0] as VirtualDevice;
    await pairWithTool(harness);
  });

  afterAll(async () => {
    if (savedKdf === undefined) delete process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
    else process.env.LIFEBOAT_SIM_KDF_ITERATIONS = savedKdf;
    await harness?.cleanup();
  });

  it('restores an erased phone from a backup made by idevicebackup2', async () => {
    const root = path.join(harness.workDir, 'idevicebackup2');
    fs.mkdirSync(root);
    const made = await backup2(harness, ['backup', '--full', root]);
    expect(made.stdout).toContain('Backup Successful.');
    const before = hashTree(path.join(root, device.udid));
    await eraseAndPair(harness, device);
    const result = await runRestore({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, systemFiles: true, settings: true, reboot: false });
    expect(result.rebooted).toBe(false);
    await expectPhoneEqualsGenerated(harness, device, SEED, 'idevicebackup2');
    expect(hashTree(path.join(root, device.udid))).toEqual(before);
  });

  describe('an encrypted Lifeboat backup', () => {
    let root: string;
    let folder: string;

    beforeAll(async () => {
      root = path.join(harness.workDir, 'encrypted');
      await setBackupEncryption({ udid: device.udid, muxAddress: harness.sim.address, enabled: true, password: PASSWORD });
      folder = (await runBackup({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address })).folder;
      expect(fs.readFileSync(path.join(folder, 'Manifest.db')).subarray(0, 6).toString('latin1')).not.toBe('SQLite');
    }, 120_000);

    it('refuses a wrong or missing password on this computer, before anything is written', async () => {
      const phoneBefore = await digestOf(device);
      const wrong = await runRestore({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, password: 'wrong', reboot: false }).catch((error: unknown) => error);
      expect(isBackupError(wrong, 'wrong-password')).toBe(true);
      expect((wrong as Error).message).toMatch(/password does not open this encrypted backup.*Nothing was changed on the iPhone/);
      const none = await runRestore({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, reboot: false }).catch((error: unknown) => error);
      expect(isBackupError(none, 'password-required')).toBe(true);
      expect(await digestOf(device)).toBe(phoneBefore);
    });

    it('restores an erased phone with the password', async () => {
      const before = hashTree(folder);
      await eraseAndPair(harness, device);
      await runRestore({ udid: device.udid, backupRoot: root, muxAddress: harness.sim.address, password: PASSWORD, systemFiles: true, settings: true, reboot: false });
      await expectPhoneEqualsGenerated(harness, device, SEED, 'encrypted');
      expect(hashTree(folder)).toEqual(before);
    });

    it('browses it with the password and exports its Camera Roll decrypted, with dates', async () => {
      const browser = await openBackupBrowser(folder, { password: PASSWORD });
      try {
        expect(browser.summary.encrypted).toBe(true);
        expect(browser.domains().some((domain) => domain.domain === 'CameraRollDomain' && domain.files > 0)).toBe(true);
      } finally {
        browser.close();
      }
      const to = path.join(harness.workDir, 'export');
      const result = await exportCameraRollFromBackup(folder, to, { password: PASSWORD });
      const photos = [...device.phone.entries()].filter((entry) => entry.domain === 'CameraRollDomain' && entry.kind === 'file' && entry.relativePath.startsWith('Media/DCIM/'));
      expect(photos.length).toBeGreaterThan(0);
      expect(result.files).toBe(photos.length);
      for (const photo of photos) {
        const exported = path.join(to, ...photo.relativePath.slice('Media/'.length).split('/'));
        expect(fs.readFileSync(exported).equals(await contentOf(device, photo)), photo.relativePath).toBe(true);
        expect(Math.floor(fs.statSync(exported).mtimeMs / 1000)).toBe(photo.mtime);
      }
      const refused = await exportCameraRollFromBackup(folder, path.join(harness.workDir, 'export-2'), { password: 'nope' }).catch((error: unknown) => error);
      expect(isBackupError(refused, 'wrong-password')).toBe(true);
    });
  });
});
