import { describe, expect, it } from 'vitest';
import { ProgressTracker, domainOfDeviceName } from './backup-progress';
import { cameraRollUploadFilter, isCameraRollItem } from './camera-roll';
import { errorForDeviceCode } from './device-errors';
import { independent } from './move-items';
import { buildInfoPlist } from './info-plist';
import { DL_STATUS, statusForError } from './status-codes';

const errno = (code: string): Error => Object.assign(new Error(code), { code });

describe('status codes (§3.7)', () => {
  it('maps each errno to a code the device accepts', () => {
    const cases: Array<[string, number]> = [
      ['ENOENT', -6], ['EEXIST', -7], ['ENOTDIR', -8], ['EISDIR', -9], ['ELOOP', -10], ['EIO', -11], ['ENOSPC', -15], ['EACCES', -1], ['EWHATEVER', -1],
    ];
    for (const [name, code] of cases) expect([name, statusForError(errno(name)).code]).toEqual([name, code]);
    expect(statusForError(errno('ENOENT')).description).toBe('No such file or directory');
    expect(statusForError(new Error('odd')).code).toBe(DL_STATUS.generic);
  });
});

describe('device result codes (§3.9)', () => {
  it('turns the phone\'s codes into the right BackupError codes', () => {
    expect(errorForDeviceCode(105, undefined).code).toBe('disk-full');
    expect(errorForDeviceCode(208, 'Device locked (MBErrorDomain/208)').code).toBe('device-locked');
    // After the iOS 16.1+ passcode prompt, 208 means the passcode was refused or never typed (§3.10).
    const refused = errorForDeviceCode(208, 'Passcode entry was cancelled (MBErrorDomain/208)', { passcodeAsked: true });
    expect([refused.code, /passcode was not entered/.test(refused.message), refused.message.includes('MBErrorDomain')]).toEqual(['device-locked', true, false]);
    expect(errorForDeviceCode(207, undefined).code).toBe('wrong-password');
    expect(errorForDeviceCode(202, undefined).code).toBe('cancelled');
    // The phone's words and code go behind "Details", never into the sentence a person reads.
    const odd = errorForDeviceCode(104, 'Multiple errors uploading files');
    expect(odd.detail).toBe('MBErrorDomain/104: Multiple errors uploading files');
    expect(odd.message).not.toMatch(/MBErrorDomain|Multiple errors|104/);
  });
});

describe('progress', () => {
  it('never goes backwards, moves through an upload by its size hint, and shows no totals it does not know', () => {
    let now = 1_000;
    const events: Array<ReturnType<ProgressTracker['snapshot']>> = [];
    const tracker = new ProgressTracker((p) => events.push(p), () => now);
    tracker.setPhase('waiting-for-device');
    // The phone announces an upload that ends at 20 % and moves 400 kB (§3.5 index 2 and 3).
    tracker.stepAnnounced(20, 400_000);
    tracker.uploadAnnounced();
    tracker.fileStarted('CameraRollDomain-Media/DCIM/100APPLE/IMG_0001.JPG');
    tracker.bytesReceived(100_000);
    tracker.fileFinished();
    tracker.report();
    expect(events.at(-1)?.percent).toBeCloseTo(5);
    now += 2_000;
    tracker.bytesReceived(200_000);
    tracker.report();
    expect(events.at(-1)?.percent).toBeCloseTo(15);
    tracker.stepFinished();
    // A retry's lower value (§3.8) does not pull the percent back.
    tracker.stepAnnounced(10);
    tracker.stepFinished();
    tracker.report();
    const last = events.at(-1);
    expect(last).toMatchObject({ percent: 20, bytesDone: 300_000, filesDone: 1, domain: 'CameraRollDomain', phase: 'transferring' });
    expect(Object.keys(last ?? {})).not.toContain('bytesExpected');
    expect(Object.keys(last ?? {})).not.toContain('filesExpected');
    // 300 kB in the 2 s since the phone started.
    expect(last?.bytesPerSecond).toBe(150_000);
    // Two seconds in: too early for time left.
    expect(last?.etaSeconds).toBeUndefined();
  });

  it('reads the domain from device-side names, including container domains', () => {
    expect(domainOfDeviceName('HomeDomain-Library/SMS/sms.db')).toBe('HomeDomain');
    expect(domainOfDeviceName('AppDomain-com.example.app-Documents/a.txt')).toBe('AppDomain-com.example.app');
    expect(domainOfDeviceName('/.b/6/Library/SMS/sms.db')).toBeUndefined();
  });
});

describe('Camera Roll', () => {
  it('recognises Camera Roll rows and uploads, but never the metadata files', () => {
    expect(isCameraRollItem('CameraRollDomain', 'Media/PhotoData/Photos.sqlite')).toBe(true);
    expect(isCameraRollItem('MediaDomain', 'Media/DCIM/100APPLE/IMG_0001.HEIC')).toBe(true);
    expect(isCameraRollItem('MediaDomain', 'Media/Recordings/a.m4a')).toBe(false);
    const id = 'ab'.repeat(20);
    expect(cameraRollUploadFilter.discard('CameraRollDomain-Media/DCIM/1.JPG', `U/Snapshot/ab/${id}`)).toBe(true);
    expect(cameraRollUploadFilter.discard('/.b/6/Media/PhotoData/x', `U/Snapshot/ab/${id}`)).toBe(true);
    expect(cameraRollUploadFilter.discard('HomeDomain-Library/a', `U/Snapshot/ab/${id}`)).toBe(false);
    expect(cameraRollUploadFilter.discard('CameraRollDomain-x', 'U/Snapshot/Manifest.db')).toBe(false);
  });
});

describe('Info.plist (§5.3)', () => {
  it('has the keys readers use, optional identifiers only when present', () => {
    const info = buildInfoPlist({
      udid: 'abc123def4567890',
      root: { DeviceName: 'Phone', ProductType: 'iPhone14,2', ProductVersion: '17.5', BuildVersion: '21F79', SerialNumber: 'SN', PhoneNumber: '+1 555' },
      itunesSettings: undefined,
      minITunesVersion: undefined,
      itunesFiles: new Map([['IC-Info.sidv', Buffer.from('x')]]),
      booksData: undefined,
      apps: [{ CFBundleIdentifier: 'com.a', ApplicationSINF: Buffer.from('s'), iTunesMetadata: Buffer.from('m') }, { CFBundleIdentifier: 'com.b' }],
    }, new Date('2025-01-01T00:00:00Z'));
    expect(info).toMatchObject({
      'Device Name': 'Phone', 'Display Name': 'Phone', 'Product Type': 'iPhone14,2', 'Product Version': '17.5', 'Build Version': '21F79',
      'Serial Number': 'SN', 'Phone Number': '+1 555', 'Target Identifier': 'abc123def4567890', 'Unique Identifier': 'ABC123DEF4567890',
      'Target Type': 'Device', 'iTunes Version': '10.0.1', 'iTunes Settings': {}, 'Installed Applications': ['com.a', 'com.b'],
    });
    expect(Object.keys(info.Applications as object)).toEqual(['com.a']);
    expect(info.IMEI).toBeUndefined();
    expect(String(info.GUID)).toMatch(/^[0-9A-F]{32}$/);
  });
});

describe('per-file progress throttle', () => {
  it('reports at most once per 100 ms of the clock, but a new domain at once', () => {
    let now = 0;
    const events: Array<ReturnType<ProgressTracker['snapshot']>> = [];
    const tracker = new ProgressTracker((p) => events.push(p), () => now);
    tracker.fileStarted('HomeDomain-a');
    tracker.reportThrottled();
    for (let file = 0; file < 50; file += 1) {
      now += 1;
      tracker.fileStarted('HomeDomain-b');
      tracker.fileFinished();
      tracker.reportThrottled();
    }
    expect(events.map((event) => [event.domain, event.filesDone])).toEqual([['HomeDomain', 0]]);
    tracker.fileStarted('CameraRollDomain-Media/DCIM/IMG_1.HEIC');
    tracker.reportThrottled();
    now += 100;
    tracker.fileStarted('CameraRollDomain-Media/DCIM/IMG_2.HEIC');
    tracker.fileFinished();
    tracker.reportThrottled();
    expect(events.map((event) => [event.domain, event.filesDone])).toEqual([['HomeDomain', 0], ['CameraRollDomain', 50], ['CameraRollDomain', 51]]);
  });
});

describe('MoveItems batches (§3.6.7)', () => {
  const base = '/b/U';
  const moves = (...pairs: Array<[string, string]>) => pairs.map(([from, to]) => ({ from: `${base}/${from}`, to: `${base}/${to}`, fromDevice: from, toDevice: to }));

  it('runs a batch side by side only when no path is another\'s or lies inside another\'s', () => {
    expect(independent(moves(['Snapshot/00/a', '00/a'], ['Snapshot/00/b', '00/b'], ['Snapshot/01/c', '01/c']), base)).toBe(true);
    // A chain (a → b, b → c), a source inside a moved folder, a destination inside another destination.
    expect(independent(moves(['x/a', 'x/b'], ['x/b', 'x/c']), base)).toBe(false);
    expect(independent(moves(['Snapshot/00/a', '00/a'], ['Snapshot/00', 'old/00']), base)).toBe(false);
    expect(independent(moves(['p/a', 'q/dir'], ['p/b', 'q/dir/deep/b']), base)).toBe(false);
    // The folders already walked for earlier moves are remembered; a later move still finds its parent in the batch.
    expect(independent(moves(['s/00/a', 'd/00/a'], ['s/00/b', 'd/00/b'], ['t/x', 'd/00/a/inner']), base)).toBe(false);
    expect(independent(moves(['s/00/a', 'd/00/a'], ['t/x', 'd']), base)).toBe(false);
    // A path sharing another's first characters is not inside it (`d/00-x` is not in `d/00`).
    expect(independent(moves(['s/00', 'd/00'], ['s/01/b', 'd/00-x/b']), base)).toBe(true);
    expect(independent(moves(['s/00', 'd/00'], ['s/01/b', 'd/00/b']), base)).toBe(false);
  });

  it('gives the same answers for a batch of many path lengths (the folder walk)', () => {
    // Twenty lengths: more than the quick check looks at, so each path's folders are walked.
    const names = Array.from({ length: 20 }, (_unused, index) => 'n'.repeat(index + 1));
    const spread = names.map((name): [string, string] => [`s/${name}`, `d/${name}`]);
    expect(independent(moves(...spread), base)).toBe(true);
    expect(independent(moves(...spread, ['s/zz', 'd/nnn/inner']), base)).toBe(false);
    expect(independent(moves(...spread, ['s/nn/inner', 'd/zz']), base)).toBe(false);
    expect(independent(moves(...spread, ['s/zz', 'd/nnn']), base)).toBe(false);
  });
});
