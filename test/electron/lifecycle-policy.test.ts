import { describe, expect, it } from 'vitest';
import { keepRunningWithoutWindows } from '../../src/main/electron/lifecycle-policy';

const withAuto = (autoBackup: boolean) => ({ devices: { A: { cameraRoll: true, autoBackup: false }, B: { cameraRoll: true, autoBackup } } });

describe('closing the last window', () => {
  it('keeps running in the tray only when automatic backup needs it', () => {
    expect(keepRunningWithoutWindows({ platform: 'linux', hasTray: true, settings: withAuto(true) })).toBe(true);
    expect(keepRunningWithoutWindows({ platform: 'win32', hasTray: true, settings: withAuto(false) })).toBe(false);
    expect(keepRunningWithoutWindows({ platform: 'linux', hasTray: false, settings: withAuto(true) })).toBe(false);
    expect(keepRunningWithoutWindows({ platform: 'linux', hasTray: true, settings: undefined })).toBe(false);
  });

  it('keeps running for a phone’s backup schedule, or when Lifeboat opens at login in the tray', () => {
    const scheduled = { devices: { A: { cameraRoll: true, autoBackup: false, schedule: { frequency: 'daily' as const, time: '02:00' } } } };
    expect(keepRunningWithoutWindows({ platform: 'linux', hasTray: true, settings: scheduled })).toBe(true);
    expect(keepRunningWithoutWindows({ platform: 'win32', hasTray: true, settings: { ...withAuto(false), openAtLogin: true } })).toBe(true);
    expect(keepRunningWithoutWindows({ platform: 'linux', hasTray: false, settings: scheduled })).toBe(false);
  });

  it('follows the macOS convention of staying open', () => {
    expect(keepRunningWithoutWindows({ platform: 'darwin', hasTray: false, settings: undefined })).toBe(true);
  });
});
