import { describe, expect, it } from 'vitest';
import { tailStart } from './middle-ellipsis';

describe('middle ellipsis', () => {
  it('keeps the file name whole and lets the folders shrink', () => {
    const path = 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG';
    expect(path.slice(tailStart(path))).toBe('/IMG_0001.JPG');
    expect(path.slice(0, tailStart(path))).toBe('CameraRollDomain/Media/DCIM/100APPLE');
  });

  it('keeps at most 40 characters of a very long last name, and the end of a name without folders', () => {
    const long = `AppDomain-x/Documents/${'a'.repeat(60)}.sqlite`;
    expect(long.length - tailStart(long)).toBe(40);
    expect('C:\\Backups\\Phone'.slice(tailStart('C:\\Backups\\Phone'))).toBe('\\Phone');
    expect(tailStart('short')).toBe(0);
    expect('x'.repeat(30).length - tailStart('x'.repeat(30))).toBe(16);
  });
});
