import { describe, expect, it } from 'vitest';
import { applyLock, releaseLock } from './afc-locks';
import { parentOf, resolveAfcPath } from './afc-paths';
import { AfcStatusError } from './afc-protocol';
import type { Phone } from '../../phone/phone-model';

describe('AFC path mapping (§4.5 onto §5.8 domains)', () => {
  it.each([
    ['/', { root: true, path: '/' }],
    ['/DCIM', { domain: 'CameraRollDomain', relativePath: 'Media/DCIM', path: '/DCIM' }],
    ['/DCIM/100APPLE/IMG_0001.JPG', { domain: 'CameraRollDomain', relativePath: 'Media/DCIM/100APPLE/IMG_0001.JPG' }],
    ['PhotoData/Photos.sqlite', { domain: 'CameraRollDomain', relativePath: 'Media/PhotoData/Photos.sqlite', path: '/PhotoData/Photos.sqlite' }],
    ['/Books', { domain: 'BooksDomain', relativePath: '' }],
    ['/Books/iBooksData2.plist', { domain: 'BooksDomain', relativePath: 'iBooksData2.plist' }],
    ['/com.apple.itunes.lock_sync', { domain: 'MediaDomain', relativePath: 'Media/com.apple.itunes.lock_sync' }],
    ['//iTunes_Control/./iTunes/', { domain: 'MediaDomain', relativePath: 'Media/iTunes_Control/iTunes', path: '/iTunes_Control/iTunes' }],
    ['/DCIMX/a', { domain: 'MediaDomain', relativePath: 'Media/DCIMX/a' }],
    ['/Recordings/../DCIM/100APPLE', { domain: 'CameraRollDomain', relativePath: 'Media/DCIM/100APPLE' }],
  ])('maps %s', (raw, expected) => {
    expect(resolveAfcPath(raw)).toMatchObject(expected);
  });

  it.each(['/..', '/../Library/SMS/sms.db', '/DCIM/../../x', 'a/../../b'])('refuses %s with PERM_DENIED', (raw) => {
    expect(() => resolveAfcPath(raw)).toThrow(AfcStatusError);
    try {
      resolveAfcPath(raw);
    } catch (error) {
      expect((error as AfcStatusError).status).toBe(10);
    }
  });

  it('finds parents across mounts', () => {
    expect(parentOf(resolveAfcPath('/DCIM/100APPLE'))).toMatchObject({ domain: 'CameraRollDomain', relativePath: 'Media/DCIM' });
    expect(parentOf(resolveAfcPath('/DCIM'))).toMatchObject({ root: true });
    expect(parentOf(resolveAfcPath('/Books/x'))).toMatchObject({ domain: 'BooksDomain', relativePath: '' });
  });
});

describe('AFC lock table', () => {
  const phone = {} as Phone;
  const other = {} as Phone;

  it('follows flock rules per phone: shared locks coexist, exclusive excludes, unlock frees', () => {
    const [a, b] = [{}, {}];
    expect(applyLock(phone, 'k', a, 5)).toBe('locked');
    expect(applyLock(phone, 'k', b, 5)).toBe('locked');
    expect(applyLock(phone, 'k', a, 6)).toBe('would-block');
    expect(applyLock(phone, 'k', b, 12)).toBe('unlocked');
    expect(applyLock(phone, 'k', a, 6)).toBe('locked');
    expect(applyLock(phone, 'k', b, 5)).toBe('would-block');
    expect(applyLock(other, 'k', b, 6)).toBe('locked');
    expect(applyLock(phone, 'k', b, 3)).toBe('invalid');
    releaseLock(phone, 'k', a);
    expect(applyLock(phone, 'k', b, 6)).toBe('locked');
  });
});
