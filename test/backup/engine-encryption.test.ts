import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/main/backup/backup-error';
import { decryptManifestDb, unlockBackup } from '../../src/main/backup/crypto';
import {
  changeBackupPassword,
  getBackupEncryption,
  isCameraRollItem,
  runBackup,
  setBackupEncryption,
} from '../../src/main/backup/engine';
import { readManifestRows } from '../../src/main/backup/store';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { fileIdFor } from '../../src/simulator/backup-format/file-id';
import { hashTree, isAfcControl, listContentFiles, pairWithTool } from './engine-helpers';

async function expectBackupError(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isBackupError(error), String(error)).toBe(true);
    expect((error as { code: string }).code, (error as Error).message).toBe(code);
    return (error as Error).message;
  }
  throw new Error(`expected a BackupError ${code}`);
}

describe('backup encryption through the engine', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;
  const savedKdf = process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
  const target = (): { udid: string; muxAddress: string } => ({ udid: device.udid, muxAddress: harness.sim.address });

  beforeAll(async () => {
    process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '50';
    harness = await startSimHarness({ seed: 17 });
    device = harness.sim.devices()[0] as VirtualDevice;
    root = path.join(harness.workDir, 'backups');
    await pairWithTool(harness);
  });

  afterAll(async () => {
    if (savedKdf === undefined) delete process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
    else process.env.LIFEBOAT_SIM_KDF_ITERATIONS = savedKdf;
    await harness?.cleanup();
  });

  async function plainRows(folder: string, password: string): Promise<Array<{ domain: string; relativePath: string }>> {
    const manifest = fs.readFileSync(path.join(folder, 'Manifest.plist'));
    const keys = await unlockBackup(manifest, password);
    const plainPath = path.join(harness.workDir, `plain-${Date.now()}.db`);
    fs.writeFileSync(plainPath, decryptManifestDb(fs.readFileSync(path.join(folder, 'Manifest.db')), keys));
    return [...readManifestRows(plainPath)];
  }

  it('turns encryption on, and the next backup is encrypted', async () => {
    expect((await getBackupEncryption(target())).enabled).toBe(false);
    await setBackupEncryption({ ...target(), enabled: true, password: 'sesame' });
    expect((await getBackupEncryption(target())).enabled).toBe(true);
    await expectBackupError(setBackupEncryption({ ...target(), enabled: true, password: 'again' }), 'unsupported');

    const result = await runBackup({ ...target(), backupRoot: root });
    expect(result.isEncrypted).toBe(true);
    const db = fs.readFileSync(path.join(result.folder, 'Manifest.db'));
    expect(db.subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    const rows = await plainRows(result.folder, 'sesame');
    const phoneEntries = [...device.phone.entries()].filter((entry) => !isAfcControl(entry.relativePath));
    expect(rows.length).toBe(phoneEntries.length);
  });

  it('asks for the password before leaving the Camera Roll out of an encrypted backup, and refuses a wrong one', async () => {
    const folder = path.join(root, device.udid);
    const before = hashTree(root);
    const message = await expectBackupError(runBackup({ ...target(), backupRoot: root, cameraRoll: false }), 'password-required');
    expect(message).toMatch(/password/);
    await expectBackupError(runBackup({ ...target(), backupRoot: root, cameraRoll: false, password: 'wrong' }), 'wrong-password');
    expect(hashTree(root)).toEqual(before);

    const result = await runBackup({ ...target(), backupRoot: root, cameraRoll: false, password: 'sesame' });
    expect(result.isEncrypted).toBe(true);
    const rows = await plainRows(folder, 'sesame');
    expect(rows.filter((row) => isCameraRollItem(row.domain, row.relativePath))).toEqual([]);
    expect(rows.length).toBeGreaterThan(50);
    // The Camera Roll files of the earlier (Camera Roll on) backup are gone from the new one, not from its snapshot.
    const cameraIds = [...device.phone.entries()].filter((e) => e.kind === 'file' && isCameraRollItem(e.domain, e.relativePath)).map((e) => fileIdFor(e.domain, e.relativePath));
    expect(cameraIds.length).toBeGreaterThan(5);
    expect(listContentFiles(folder).filter((id) => cameraIds.includes(id))).toEqual([]);
    expect(listContentFiles(result.previousSnapshot as string).filter((id) => cameraIds.includes(id)).length).toBe(cameraIds.length);
  });

  it('changes the password (a wrong old one is refused) and turns encryption off', async () => {
    await expectBackupError(changeBackupPassword({ ...target(), oldPassword: 'nope', newPassword: 'open' }), 'wrong-password');
    await changeBackupPassword({ ...target(), oldPassword: 'sesame', newPassword: 'open' });
    const result = await runBackup({ ...target(), backupRoot: root });
    expect(result.isFullBackup).toBe(true);
    expect((await plainRows(result.folder, 'open')).length).toBeGreaterThan(50);
    await expect(unlockBackup(fs.readFileSync(path.join(result.folder, 'Manifest.plist')), 'sesame')).rejects.toThrow();

    await expectBackupError(setBackupEncryption({ ...target(), enabled: false, password: 'sesame' }), 'wrong-password');
    await setBackupEncryption({ ...target(), enabled: false, password: 'open' });
    expect((await getBackupEncryption(target())).enabled).toBe(false);
    const plain = await runBackup({ ...target(), backupRoot: root });
    expect(plain.isEncrypted).toBe(false);
  });

  it('says the phone is locked when it is', async () => {
    device.setFaults({ locked: true });
    try {
      await expectBackupError(setBackupEncryption({ ...target(), enabled: true, password: 'x' }), 'device-locked');
      const before = hashTree(path.join(root, device.udid));
      await expectBackupError(runBackup({ ...target(), backupRoot: root }), 'device-locked');
      expect(hashTree(path.join(root, device.udid))).toEqual(before);
    } finally {
      device.setFaults({ locked: false });
    }
  });
});
