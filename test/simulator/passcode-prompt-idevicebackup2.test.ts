import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFaultPatch } from '../../src/simulator/device/fault-plan';
import { writeFaultFile } from '../../src/simulator/device/offline-device';
import type { VirtualDevice } from '../../src/simulator/device/virtual-device';
import { asksPasscodeForBackup, PASSCODE_NOTIFICATION } from '../../src/simulator/services/mobilebackup2/passcode-prompt';
import { runTool } from '../helpers/run-tool';
import { startSimHarness, type SimHarness } from '../helpers/sim-harness';
import { backup2, manifestRows } from './idevicebackup2-helpers';

describe('which iOS versions ask for the passcode before a backup', () => {
  it('is 16.1 and later, and 15.7.1 and later on iOS 15', () => {
    expect(['16.0.3', '16.1', '17.5.1', '15.7', '15.7.1', '15.8', '14.8'].map(asksPasscodeForBackup)).toEqual([false, true, true, false, true, true, false]);
  });

  it('takes the prompt and iCloud Photos as faults, and refuses a typo loudly', () => {
    expect(validateFaultPatch({ passcodePrompt: 'ignore', passcodeTimeoutMs: 1000, iCloudPhotos: true })).toEqual({ passcodePrompt: 'ignore', passcodeTimeoutMs: 1000, iCloudPhotos: true });
    expect(() => validateFaultPatch({ passcodePrompt: 'maybe' })).toThrow(/accept, deny, ignore, ask/);
    expect(() => validateFaultPatch({ iCloudPhotos: 'on' })).toThrow(/true or false/);
  });
});

/**
 * An iOS 16.1 virtual iPhone with a passcode, backed up by Debian's idevicebackup2 1.3.0: that
 * version predates the passcode notice, so it simply waits in its DL loop for the first request
 * (protocol.md §3.10) and prints the phone's ErrorCode 208 when the passcode never comes.
 */
describe('the iOS 16.1+ passcode prompt against idevicebackup2', () => {
  let harness: SimHarness;
  let device: VirtualDevice;
  let root: string;
  const seen: string[] = [];

  beforeAll(async () => {
    harness = await startSimHarness({ seed: 11, productVersion: '16.1' });
    device = harness.sim.devices()[0] as VirtualDevice;
    device.notifications.subscribe((name) => seen.push(name));
    root = path.join(harness.workDir, 'backups');
    fs.mkdirSync(root);
    expect((await runTool('idevicepair', ['pair'], harness.env)).code).toBe(0);
  });

  afterAll(async () => {
    await harness?.cleanup();
  });

  it('backs up once the passcode is typed on the phone', async () => {
    device.setFaults({ passcodePrompt: 'accept', passcodeAnswerMs: 1500 });
    seen.length = 0;
    const started = Date.now();
    const result = await backup2(harness, ['backup', '--full', root]);
    expect(result.stdout).toContain('Backup Successful.');
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(seen.filter((name) => name.startsWith('com.apple.LocalAuthentication'))).toEqual([PASSCODE_NOTIFICATION.presented, PASSCODE_NOTIFICATION.dismissed]);
  });

  it('fails with ErrorCode 208 when the person taps Cancel, and the earlier backup stays', async () => {
    device.setFaults({ passcodePrompt: 'deny', passcodeAnswerMs: 200 });
    const before = fs.readFileSync(path.join(root, device.udid, 'Manifest.db'));
    const result = await backup2(harness, ['backup', root]);
    expect(result.stdout).not.toContain('Backup Successful.');
    expect(result.stdout + result.stderr).toMatch(/ErrorCode 208: Passcode entry was cancelled \(MBErrorDomain\/208\)/);
    expect(fs.readFileSync(path.join(root, device.udid, 'Manifest.db')).equals(before)).toBe(true);
  });

  it('gives up with 208 when nobody answers, as steered from the faults file of a running simulator', async () => {
    device.setFaults({ passcodePrompt: undefined, passcodeAnswerMs: undefined });
    writeFaultFile(device.directory, { passcodePrompt: 'ignore', passcodeTimeoutMs: 1000 }, false);
    try {
      const result = await backup2(harness, ['backup', root]);
      expect(result.stdout + result.stderr).toMatch(/ErrorCode 208: Passcode was not entered in time/);
    } finally {
      writeFaultFile(device.directory, {}, true);
    }
  });

  it('waits for the console answer with passcodePrompt=ask', async () => {
    device.setFaults({ passcodePrompt: 'ask' });
    const off = device.onPasscodePrompt((shown) => setTimeout(() => shown.answerPasscodePrompt(true), 300));
    try {
      const result = await backup2(harness, ['backup', root]);
      expect(result.stdout).toContain('Backup Successful.');
      expect(device.isPasscodePromptPending()).toBe(false);
    } finally {
      off();
    }
  });

  it('leaves the Camera Roll originals out with iCloud Photos on, while the phone keeps them', async () => {
    device.setFaults({ passcodePrompt: undefined, iCloudPhotos: true });
    const result = await backup2(harness, ['backup', '--full', root]);
    expect(result.stdout).toContain('Backup Successful.');
    const rows = [...manifestRows(path.join(root, device.udid, 'Manifest.db')).values()];
    expect(rows.filter((row) => row.domain === 'CameraRollDomain' && row.relativePath.startsWith('Media/DCIM/'))).toEqual([]);
    expect(rows.some((row) => row.domain === 'HomeDomain')).toBe(true);
    const onPhone = [...device.phone.entries()].filter((entry) => entry.relativePath.startsWith('Media/DCIM/') && entry.relativePath.endsWith('.JPG'));
    expect(onPhone.length).toBeGreaterThan(5);
  });
});
