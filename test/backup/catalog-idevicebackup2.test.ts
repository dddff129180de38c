import fs from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/main/backup/catalog';
import { catalogRows, openManifestDb } from '../../src/main/backup/catalog/manifest-source';
import { createFileDecryptor, unlockBackup } from '../../src/main/backup/crypto';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import type { PhoneEntry } from '../../src/simulator/phone/phone-model';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { backup2, isAfcControl } from '../simulator/idevicebackup2-helpers';
import { fileIdOf } from './backup-builder';

/**
 * Backups made by Debian's real idevicebackup2 from the virtual iPhone, read by the catalog and by
 * Lifeboat's own crypto: the simulator's backup writer and the host reader were written apart, so
 * agreement here checks both against protocol.md §5–6.
 */
describe('catalog and crypto on idevicebackup2 backups of the virtual iPhone', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let phoneFiles: PhoneEntry[];
  const savedKdf = process.env.LIFEBOAT_SIM_KDF_ITERATIONS;

  beforeAll(async () => {
    process.env.LIFEBOAT_SIM_KDF_ITERATIONS = '20';
    harness = await startSimHarness({ seed: 21 });
    device = harness.sim.devices()[0] as VirtualDevice;
    expect((await runTool('idevicepair', ['pair'], harness.env)).code).toBe(0);
    phoneFiles = [...device.phone.entries()].filter((entry) => entry.kind === 'file' && !isAfcControl(entry.relativePath));
  });

  afterAll(async () => {
    if (savedKdf === undefined) delete process.env.LIFEBOAT_SIM_KDF_ITERATIONS;
    else process.env.LIFEBOAT_SIM_KDF_ITERATIONS = savedKdf;
    await harness?.cleanup();
  });

  it('lists an unencrypted backup as complete with the phone\'s identity and counts, and verifies it', async () => {
    const root = path.join(harness.workDir, 'plain');
    fs.mkdirSync(root);
    const result = await backup2(harness, ['backup', '--full', root]);
    expect(result.stdout).toContain('Backup Successful.');
    const catalog = openCatalog(root);
    try {
      expect(await catalog.refresh()).toMatchObject({ added: 1 });
      const [record] = catalog.list();
      const photos = phoneFiles.filter((entry) => entry.domain === 'CameraRollDomain' && entry.relativePath.startsWith('Media/DCIM/'));
      expect(photos.length).toBeGreaterThan(0);
      expect(record).toMatchObject({
        udid: device.udid,
        location: 'root',
        madeBy: 'other',
        deviceName: device.identity.deviceName,
        productType: device.identity.productType,
        productVersion: device.identity.productVersion,
        createdAtSource: 'Status.plist',
        encrypted: false,
        fileCount: phoneFiles.length,
        // Captures, not files: a Live Photo's .MOV beside its .HEIC, IMG_E renders and .AAE edits are part of their photo.
        photoCount: photos.filter((entry) => !/\.AAE$|\/IMG_E\d{4}\.|\/\./.test(entry.relativePath) &&
          !(entry.relativePath.endsWith('.MOV') && photos.some((other) => other.relativePath === entry.relativePath.replace(/MOV$/, 'HEIC')))).length,
        status: 'complete',
        problems: [],
      });
      const report = await catalog.verify(record?.id ?? '');
      expect(report).toMatchObject({ ok: true, checkedFiles: phoneFiles.length, missingCount: 0, wrongSizeCount: 0 });
    } finally {
      catalog.close();
    }
  });

  it('opens an encrypted backup with the password: counts, padded sizes, and every file decrypted byte for byte', async () => {
    const root = path.join(harness.workDir, 'encrypted');
    fs.mkdirSync(root);
    expect((await backup2(harness, ['encryption', 'on', 'sesame', root])).stdout).toContain('enabled successfully');
    expect((await backup2(harness, ['backup', root])).stdout).toContain('Backup Successful.');
    const folder = path.join(root, device.udid);

    const catalog = openCatalog(root);
    try {
      await catalog.refresh();
      const [locked] = catalog.list();
      expect(locked).toMatchObject({ encrypted: true, status: 'complete', udid: device.udid });
      expect(locked?.fileCount).toBeUndefined();
      await expect(catalog.unlock(locked?.id ?? '', 'open sesame')).rejects.toMatchObject({ code: 'wrong-password' });
      expect(await catalog.unlock(locked?.id ?? '', 'sesame')).toMatchObject({ fileCount: phoneFiles.length });
      expect(await catalog.verify(locked?.id ?? '')).toMatchObject({ ok: true, checkedFiles: phoneFiles.length, missingCount: 0, wrongSizeCount: 0 });
    } finally {
      catalog.close();
    }

    const keys = await unlockBackup(fs.readFileSync(path.join(folder, 'Manifest.plist')), 'sesame');
    const opened = openManifestDb(folder, keys);
    if (opened.kind !== 'open') throw new Error('expected the decrypted Manifest.db');
    const rows = new Map([...catalogRows(opened.db)].map((row) => [row.fileId, row]));
    opened.db.close();
    for (const entry of phoneFiles) {
      const row = rows.get(fileIdOf(entry.domain, entry.relativePath));
      expect(row, `${entry.domain}/${entry.relativePath}`).toBeDefined();
      if (!row) continue;
      expect(row.size).toBe(entry.size);
      const parts: Buffer[] = [];
      for await (const chunk of device.phone.readContent(entry)) parts.push(chunk);
      const contentFile = path.join(folder, row.fileId.slice(0, 2), row.fileId);
      if (!row.encryptionKey) {
        expect(entry.size, `${entry.relativePath} has no key, so must be empty`).toBe(0);
        continue;
      }
      const plain = await buffer(fs.createReadStream(contentFile).pipe(createFileDecryptor(keys, row.encryptionKey, row.size)));
      expect(plain.equals(Buffer.concat(parts)), `${entry.domain}/${entry.relativePath}`).toBe(true);
    }
    expect((await backup2(harness, ['encryption', 'off', 'sesame', root])).stdout).toContain('disabled successfully');
  });
});
