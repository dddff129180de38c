import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePlist, isPlistDict } from '../../src/main/device/codec';
import { parseManifestPlist, parseStatusPlist } from '../../src/simulator/backup-format/backup-plists';
import { decryptFileContent } from '../../src/simulator/backup-format/aes';
import { BackupCipher } from '../../src/simulator/backup-format/encryption';
import { contentPathFor, fileIdFor } from '../../src/simulator/backup-format/file-id';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { comparePhones, isSyncHousekeeping } from '../../src/simulator/phone/phone-compare';
import { openPhone } from '../../src/simulator/phone/phone-store';
import type { PhoneEntry } from '../../src/simulator/phone/phone-model';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { backup2, expectBackupMatchesPhone, manifestRows, snapshotTree, waitFor } from './idevicebackup2-helpers';

/**
 * Debian's real idevicebackup2 (libimobiledevice 1.3.0) backing up and restoring the virtual
 * iPhone through the simulated usbmuxd (protocol.md §7.1–7.4).
 */
describe('idevicebackup2 against the virtual iPhone', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let udid: string;
  let root: string;
  const savedKdf = process.env.LIFEBOAT_SIM_KDF_ITERATIONS;

  beforeAll(async () => {
    process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '50';
    harness = await startSimHarness({ seed: 7 });
    device = harness.sim.devices()[0] as VirtualDevice;
    udid = device.udid;
    root = path.join(harness.workDir, 'backups');
    fs.mkdirSync(root);
    expect((await runTool('idevicepair', ['pair'], harness.env)).code).toBe(0);
  });

  afterAll(async () => {
    if (savedKdf === undefined) delete process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
    else process.env.LIFEBOAT_SIM_KDF_ITERATIONS = savedKdf;
    await harness?.cleanup();
  });

  it('makes a full backup holding every phone entry, byte for byte', async () => {
    const result = await backup2(harness, ['backup', '--full', root]);
    expect(result.stdout).toContain('Backup Successful.');
    expect(result.code).toBe(0);
    const folder = path.join(root, udid);
    const status = parseStatusPlist(fs.readFileSync(path.join(folder, 'Status.plist')));
    expect([status.snapshotState, status.backupState, status.isFullBackup]).toEqual(['finished', 'new', true]);
    expect(fs.existsSync(path.join(folder, 'Snapshot'))).toBe(false);
    expect(parseManifestPlist(fs.readFileSync(path.join(folder, 'Manifest.plist'))).isEncrypted).toBe(false);
    await expectBackupMatchesPhone(folder, device.phone);
    expect(device.settings.get().lastBackupDate).toBeGreaterThan(0);
  });

  it('restores an erased phone to exactly what was backed up, then reboots it', async () => {
    device.erase();
    expect(device.phone.isFactoryState()).toBe(true);
    expect((await runTool('idevicepair', ['pair'], harness.env)).code).toBe(0);
    // The reboot keeps the phone away for a moment; watch for it from the start, whatever the load.
    let detached = false;
    const watch = setInterval(() => {
      if (!device.isAttached()) detached = true;
    }, 10);
    try {
      const result = await backup2(harness, ['restore', '--system', '--settings', '--remove', root]);
      expect(result.stdout).toContain('Restore Successful.');
      await waitFor(() => detached);
      await waitFor(() => device.isAttached());
    } finally {
      clearInterval(watch);
    }

    const reference = openPhone(path.join(harness.workDir, 'reference-phone'), { seed: 7000, profile: 'small' });
    try {
      const differences = await comparePhones(reference, device.phone, { skip: isSyncHousekeeping });
      expect(differences).toEqual([]);
    } finally {
      reference.close();
    }
  });

  it('makes an incremental backup that sends only changes and drops deleted files', async () => {
    const folder = path.join(root, udid);
    const phone = device.phone;
    const files = [...phone.entries()].filter((entry) => entry.kind === 'file' && !isSyncHousekeeping(entry));
    const [changed, deleted, untouched] = files as [PhoneEntry, PhoneEntry, PhoneEntry];
    const untouchedPath = path.join(folder, contentPathFor(fileIdFor(untouched.domain, untouched.relativePath)));
    const untouchedBefore = fs.statSync(untouchedPath);
    const deletedPath = path.join(folder, contentPathFor(fileIdFor(deleted.domain, deleted.relativePath)));
    expect(fs.existsSync(deletedPath)).toBe(true);

    await phone.writeFile({ ...changed, mtime: changed.mtime + 60 }, Buffer.from('changed content'));
    phone.removeEntry(deleted.domain, deleted.relativePath);
    await phone.writeFile({ ...untouched, relativePath: `${untouched.relativePath}.new`, mtime: 1_750_000_000 }, Buffer.from('a new file'));

    const result = await backup2(harness, ['backup', root]);
    expect(result.stdout).toContain('Backup Successful.');
    expect(result.stdout).toMatch(/Received [1-9] files from device/);
    const status = parseStatusPlist(fs.readFileSync(path.join(folder, 'Status.plist')));
    expect([status.snapshotState, status.isFullBackup]).toEqual(['finished', false]);
    const untouchedAfter = fs.statSync(untouchedPath);
    expect([untouchedAfter.ino, untouchedAfter.mtimeMs]).toEqual([untouchedBefore.ino, untouchedBefore.mtimeMs]);
    expect(fs.existsSync(deletedPath)).toBe(false);
    await expectBackupMatchesPhone(folder, phone);
  });

  it('answers info with the backup description and list with 205, like an iOS 10+ phone', async () => {
    const info = await backup2(harness, ['info', root]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`Device Name: ${device.identity.deviceName}`);
    expect(info.stdout).toContain('Snapshot State: finished');
    const list = await backup2(harness, ['list', root]);
    expect(list.stdout).toContain('ErrorCode 205');
  });

  it('refuses to restore while Find My is on', async () => {
    device.settings.update({ findMyEnabled: true });
    try {
      const result = await backup2(harness, ['restore', '--system', '--no-reboot', '--skip-apps', root]);
      expect(result.stdout).toContain('ErrorCode 211: Find My iPhone must be disabled before restoring');
      expect(result.stdout).not.toContain('Restore Successful.');
    } finally {
      device.settings.update({ findMyEnabled: false });
    }
  });

  it('encrypts backups after "encryption on", and only the password opens them', async () => {
    const encryptedRoot = path.join(harness.workDir, 'encrypted');
    fs.mkdirSync(encryptedRoot);
    const on = await backup2(harness, ['encryption', 'on', 'sesame', encryptedRoot]);
    expect(on.stdout).toContain('Backup encryption has been enabled successfully.');
    expect(device.settings.get()).toMatchObject({ willEncrypt: true, password: 'sesame' });

    const result = await backup2(harness, ['backup', encryptedRoot]);
    expect(result.stdout).toContain('Backup Successful.');
    const folder = path.join(encryptedRoot, udid);
    const manifest = parseManifestPlist(fs.readFileSync(path.join(folder, 'Manifest.plist')));
    expect(manifest.isEncrypted).toBe(true);
    const encryptedDb = fs.readFileSync(path.join(folder, 'Manifest.db'));
    expect(encryptedDb.subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    expect(() => BackupCipher.unlock(manifest.backupKeyBag as Buffer, 'wrong')).toThrow();
    const cipher = BackupCipher.unlock(manifest.backupKeyBag as Buffer, 'sesame');
    const plainDb = path.join(harness.workDir, 'decrypted-Manifest.db');
    fs.writeFileSync(plainDb, cipher.openManifestDb(encryptedDb, manifest.manifestKey as Buffer));
    const rows = manifestRows(plainDb);
    const photo = [...device.phone.entries()].find((entry) => entry.domain === 'CameraRollDomain' && entry.kind === 'file' && entry.size > 0) as PhoneEntry;
    const row = rows.get(fileIdFor(photo.domain, photo.relativePath));
    expect(row?.file.encryptionKey).toBeDefined();
    const ciphertext = fs.readFileSync(path.join(folder, contentPathFor(row?.fileId ?? '')));
    const parts: Buffer[] = [];
    for await (const chunk of device.phone.readContent(photo)) parts.push(chunk);
    expect(ciphertext.equals(Buffer.concat(parts))).toBe(false);
    const key = cipher.fileKeyFrom(row?.file.encryptionKey as Buffer);
    const plain = decryptFileContent(ciphertext, key, photo.size);
    expect(plain.equals(Buffer.concat(parts))).toBe(true);

    const wrong = await backup2(harness, ['restore', '--no-reboot', '--skip-apps', '--password', 'wrong', encryptedRoot]);
    expect(wrong.stdout).toContain('ErrorCode 207');
    const before = [...device.phone.entries()].length;
    await device.phone.writeFile({ ...photo }, Buffer.from('overwritten since the backup'));
    const right = await backup2(harness, ['restore', '--no-reboot', '--skip-apps', '--password', 'sesame', encryptedRoot]);
    expect(right.stdout).toContain('Restore Successful.');
    const restored: Buffer[] = [];
    for await (const chunk of device.phone.readContent(device.phone.entry(photo.domain, photo.relativePath) as PhoneEntry)) restored.push(chunk);
    expect(Buffer.concat(restored).equals(Buffer.concat(parts))).toBe(true);
    expect([...device.phone.entries()].length).toBe(before);

    const off = await backup2(harness, ['encryption', 'off', 'sesame', encryptedRoot]);
    expect(off.stdout).toContain('Backup encryption has been disabled successfully.');
    expect(device.settings.get().willEncrypt).toBe(false);
  });

  it('fails a backup when the cable is pulled and leaves the previous backup intact', async () => {
    const interruptedRoot = path.join(harness.workDir, 'interrupted');
    fs.mkdirSync(interruptedRoot);
    expect((await backup2(harness, ['backup', interruptedRoot])).stdout).toContain('Backup Successful.');
    const folder = path.join(interruptedRoot, udid);
    // Status.plist and Snapshot/ are the interrupted run's own state; Info.plist is rewritten by the host.
    const isRunState = (relative: string): boolean => ['Status.plist', 'Info.plist'].includes(relative) || relative.startsWith('Snapshot');
    const before = snapshotTree(folder, isRunState);
    device.setFaults({ unplugAfterFiles: 40, replugAfterMs: 200 });
    try {
      const result = await backup2(harness, ['backup', '--full', interruptedRoot], 30_000);
      expect(result.timedOut).toBe(false);
      expect(result.code).not.toBe(0);
      expect(result.stdout).not.toContain('Backup Successful.');
    } finally {
      device.setFaults({ unplugAfterFiles: undefined, replugAfterMs: undefined });
    }
    await waitFor(() => device.isAttached());
    const after = snapshotTree(folder, isRunState);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [relative, bytes] of before) expect(after.get(relative)?.equals(bytes), relative).toBe(true);
    const status = decodePlist(fs.readFileSync(path.join(folder, 'Status.plist')));
    expect(isPlistDict(status) && status.SnapshotState).toBe('uploading');

    // The next run picks up from the interrupted one and finishes.
    const retry = await backup2(harness, ['backup', interruptedRoot]);
    expect(retry.stdout).toContain('Backup Successful.');
    await expectBackupMatchesPhone(folder, device.phone);
  });
});
