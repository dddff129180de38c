import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceIdentity } from '../../src/simulator/device/device-identity';
import { FaultPlanSource, validateFaultPatch } from '../../src/simulator/device/fault-plan';
import { writeFaultFile } from '../../src/simulator/device/offline-device';

describe('device identity', () => {
  it('is the same for the same seed and index, and different otherwise', () => {
    const a = createDeviceIdentity(5, 0);
    expect(createDeviceIdentity(5, 0)).toEqual(a);
    expect(createDeviceIdentity(5, 1).udid).not.toBe(a.udid);
    expect(createDeviceIdentity(6, 0).udid).not.toBe(a.udid);
    expect(a.udid).toMatch(/^0000[0-9A-F]{4}-[0-9A-F]{16}$/);
    expect(a).toMatchObject({ productType: 'iPhone14,5', productVersion: '17.5.1', buildVersion: '21F90', deviceName: 'Lifeboat Virtual iPhone 1' });
    expect(a.wifiAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(Number.isSafeInteger(a.uniqueChipId)).toBe(true);
    expect(createDeviceIdentity(5, 0, '16.0').productVersion).toBe('16.0');
  });
});

describe('fault plans', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-'));
    roots.push(root);
    return root;
  };

  it('rejects unknown faults and wrong types with a readable reason', () => {
    expect(() => validateFaultPatch({ lockd: true })).toThrow(/"lockd" is not a fault/);
    expect(() => validateFaultPatch({ locked: 'yes' })).toThrow(/true or false/);
    expect(() => validateFaultPatch({ linkBytesPerSecond: -1 })).toThrow(/non-negative/);
    expect(() => validateFaultPatch({ trust: 'maybe' })).toThrow(/accept, deny, ask/);
    expect(validateFaultPatch({ unplugAfterFiles: 3, malformedReplies: 'afc' })).toEqual({ unplugAfterFiles: 3, malformedReplies: 'afc' });
    expect(() => validateFaultPatch({ unreadablePaths: 'DCIM/100APPLE/IMG_0001.JPG' })).toThrow(/list of AFC paths/);
    expect(() => validateFaultPatch({ unreadablePaths: ['DCIM/100APPLE/IMG_0001.JPG'] })).toThrow(/starting with "\/"/);
    expect(validateFaultPatch({ unreadablePaths: ['/DCIM/100APPLE/IMG_0001.JPG'] })).toEqual({ unreadablePaths: ['/DCIM/100APPLE/IMG_0001.JPG'] });
  });

  it('layers defaults, the faults file (re-read when it changes) and live patches', () => {
    const dir = tempDir();
    const logged: string[] = [];
    const source = new FaultPlanSource({ trust: 'accept', locked: false }, path.join(dir, 'faults.json'), (line) => logged.push(line));
    expect(source.current()).toEqual({ trust: 'accept', locked: false });

    writeFaultFile(dir, { locked: true, linkBytesPerSecond: 1000 }, false);
    expect(source.current()).toMatchObject({ locked: true, linkBytesPerSecond: 1000 });

    source.set({ linkBytesPerSecond: 5 });
    expect(source.current()).toMatchObject({ locked: true, linkBytesPerSecond: 5 });

    writeFaultFile(dir, { locked: null, trust: 'deny' }, false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'faults.json'), 'utf8'))).toEqual({ linkBytesPerSecond: 1000, trust: 'deny' });
    expect(source.current()).toMatchObject({ locked: false, trust: 'deny' });

    fs.writeFileSync(path.join(dir, 'faults.json'), '{ not json');
    expect(source.current()).toMatchObject({ trust: 'accept', locked: false });
    expect(logged.join('\n')).toContain('Ignoring');

    writeFaultFile(dir, {}, true);
    expect(fs.existsSync(path.join(dir, 'faults.json'))).toBe(false);
  });
});
