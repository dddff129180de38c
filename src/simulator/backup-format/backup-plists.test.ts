import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { decodePlist, encodeXmlPlist, isBinaryPlist } from '../../main/device/codec';
import {
  buildManifestPlist,
  buildStatusPlist,
  compareFormatVersions,
  parseManifestPlist,
  parseStatusPlist,
} from './backup-plists';
import { BackupFormatError } from './errors';

const ENCRYPTED_FIXTURE = new URL('../../../../shared/fixtures/pyiosbackup-encrypted/', import.meta.url).pathname;
const date = new Date('2024-05-06T07:08:09.000Z');

describe('Status.plist (protocol.md §5.5)', () => {
  it('is a small binary plist with the device keys', () => {
    const bytes = buildStatusPlist({
      uuid: 'a1b2c3d4-0000-4000-8000-00000000000f',
      date,
      backupState: 'new',
      snapshotState: 'finished',
      isFullBackup: true,
    });
    expect(isBinaryPlist(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(300);
    expect(decodePlist(bytes)).toEqual({
      BackupState: 'new',
      Date: date,
      IsFullBackup: true,
      SnapshotState: 'finished',
      UUID: 'A1B2C3D4-0000-4000-8000-00000000000F',
      Version: '3.3',
    });
    expect(parseStatusPlist(bytes)).toMatchObject({
      version: '3.3',
      uuid: 'A1B2C3D4-0000-4000-8000-00000000000F',
      date,
      backupState: 'new',
      snapshotState: 'finished',
      isFullBackup: true,
    });
  });

  it('parses XML written by hosts and numeric versions', () => {
    const xml = encodeXmlPlist({ Version: 3.3, BackupState: 'old', SnapshotState: 'moving', IsFullBackup: false });
    expect(parseStatusPlist(xml)).toMatchObject({ version: '3.3', backupState: 'old', snapshotState: 'moving', isFullBackup: false, uuid: undefined });
  });

  it('reads the fixture empty dictionary as all-missing', () => {
    const parsed = parseStatusPlist(fs.readFileSync(`${ENCRYPTED_FIXTURE}Status.plist`));
    expect(parsed).toMatchObject({ version: undefined, backupState: undefined, snapshotState: undefined });
  });

  it('throws on empty and garbage input with codes the engine can map', () => {
    expect(() => parseStatusPlist(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'empty-plist' }));
    expect(() => parseStatusPlist(Buffer.from('garbage!'))).toThrow(expect.objectContaining({ code: 'malformed-plist' }));
    expect(() => parseStatusPlist(encodeXmlPlist(['an', 'array']))).toThrow(BackupFormatError);
  });
});

describe('Manifest.plist (protocol.md §5.4)', () => {
  it('round-trips every key, binary on disk', () => {
    const keybag = Buffer.from('VERS....');
    const manifestKey = Buffer.alloc(44, 7);
    const bytes = buildManifestPlist({
      date,
      isEncrypted: true,
      backupKeyBag: keybag,
      manifestKey,
      wasPasscodeSet: true,
      lockdown: { ProductVersion: '17.5', UniqueDeviceID: 'abc', DeviceName: 'iPhone' },
      applications: { 'com.example.app': { CFBundleIdentifier: 'com.example.app', CFBundleVersion: '1', ContainerContentClass: 'Data/Application', Path: '/x' } },
      extra: { RequiredProductVersion: '17.0' },
    });
    expect(isBinaryPlist(bytes)).toBe(true);
    const parsed = parseManifestPlist(bytes);
    expect(parsed).toMatchObject({
      version: '10.0',
      systemDomainsVersion: '24.0',
      date,
      isEncrypted: true,
      backupKeyBag: keybag,
      manifestKey,
      wasPasscodeSet: true,
      lockdown: { ProductVersion: '17.5', UniqueDeviceID: 'abc', DeviceName: 'iPhone' },
    });
    expect(Object.keys(parsed.applications)).toEqual(['com.example.app']);
    expect(parsed.raw.RequiredProductVersion).toBe('17.0');
  });

  it('omits the ManifestKey of an unencrypted backup', () => {
    const parsed = parseManifestPlist(buildManifestPlist({ date, isEncrypted: false, wasPasscodeSet: false, lockdown: {} }));
    expect(parsed.isEncrypted).toBe(false);
    expect(parsed.manifestKey).toBeUndefined();
    expect(parsed.applications).toEqual({});
  });

  it('reads the pyiosbackup fixture', () => {
    const parsed = parseManifestPlist(fs.readFileSync(`${ENCRYPTED_FIXTURE}Manifest.plist`));
    expect(parsed.isEncrypted).toBe(true);
    expect(parsed.backupKeyBag?.subarray(0, 4).toString('latin1')).toBe('VERS');
    expect(parsed.manifestKey).toHaveLength(44);
    expect(parsed.lockdown.ProductVersion).toBe('10.3');
  });

  it('detects the zero-length 205 situation', () => {
    expect(() => parseManifestPlist(Buffer.alloc(0))).toThrow(/Cannot parse a NULL or zero-length data/);
    expect(() => parseManifestPlist(Buffer.from([0, 1, 2, 3]))).toThrow(expect.objectContaining({ code: 'malformed-plist' }));
  });

  it('compares format versions numerically', () => {
    expect(compareFormatVersions('10.0', '9.1')).toBeGreaterThan(0);
    expect(compareFormatVersions('3.3', '3.3')).toBe(0);
  });
});
