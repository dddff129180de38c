import { describe, expect, it } from 'vitest';
import { externalLinkFor, isNavigationAllowed } from '../../src/main/electron/navigation-policy';

describe('navigation policy', () => {
  it('keeps the window on our own pages', () => {
    expect(isNavigationAllowed('app://lifeboat/index.html')).toBe(true);
    expect(isNavigationAllowed('https://support.apple.com/')).toBe(false);
    expect(isNavigationAllowed('file:///etc/passwd')).toBe(false);
    expect(isNavigationAllowed('javascript:alert(1)')).toBe(false);
  });

  it('opens only https links to allowlisted hosts in the browser', () => {
    expect(externalLinkFor('https://support.apple.com/en-us/108313')).toBe('https://support.apple.com/en-us/108313');
    expect(externalLinkFor('https://SUPPORT.apple.com/x')).toBe('https://support.apple.com/x');
    expect(externalLinkFor('http://support.apple.com/x')).toBeUndefined();
    expect(externalLinkFor('https://support.apple.com.evil.example/x')).toBeUndefined();
    expect(externalLinkFor('https://evil.support.apple.com/x')).toBeUndefined();
    expect(externalLinkFor('https://user@support.apple.com/x')).toBeUndefined();
    expect(externalLinkFor('https://support.apple.com:8443/x')).toBeUndefined();
    expect(externalLinkFor('file:///etc/passwd')).toBeUndefined();
    expect(externalLinkFor('::not a url')).toBeUndefined();
    expect(externalLinkFor('https://example.org/', ['example.org'])).toBe('https://example.org/');
  });
});
