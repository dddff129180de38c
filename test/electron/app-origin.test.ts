import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, contentTypeFor, ELECTRON_CONTENT_SECURITY_POLICY, isAppUrl, resolveRendererFile } from '../../src/main/electron/app-origin';

const root = path.resolve('/srv/lifeboat/dist/renderer');

describe('app:// origin', () => {
  it('recognises only our own origin', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://lifeboat/assets/index.js')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('app://user:pw@lifeboat/index.html')).toBe(false);
    expect(isAppUrl('https://lifeboat/index.html')).toBe(false);
    expect(isAppUrl('file:///srv/lifeboat/dist/renderer/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });

  it('maps pages and assets into the renderer folder', () => {
    expect(resolveRendererFile(root, 'app://lifeboat/index.html')).toEqual({ kind: 'file', file: path.join(root, 'index.html') });
    expect(resolveRendererFile(root, 'app://lifeboat/')).toEqual({ kind: 'file', file: path.join(root, 'index.html') });
    expect(resolveRendererFile(root, 'app://lifeboat/backups/history')).toEqual({ kind: 'file', file: path.join(root, 'index.html') });
    expect(resolveRendererFile(root, 'app://lifeboat/assets/index-abc.js?v=1')).toEqual({ kind: 'file', file: path.join(root, 'assets', 'index-abc.js') });
  });

  it('never leaves the renderer folder', () => {
    for (const url of [
      'app://lifeboat/..%2f..%2fpackage.json',
      'app://lifeboat/%2e%2e/%2e%2e/etc/passwd',
      'app://lifeboat/assets/..%5c..%5c..%5csecret.txt',
    ]) {
      const resolved = resolveRendererFile(root, url);
      if (resolved.kind === 'file') expect(resolved.file.startsWith(root + path.sep)).toBe(true);
    }
    expect(resolveRendererFile(root, 'app://lifeboat/%E0%A4%A').kind).toBe('forbidden');
    expect(resolveRendererFile(root, 'app://lifeboat/a%00.js').kind).toBe('forbidden');
    expect(resolveRendererFile(root, 'https://evil.example/index.html').kind).toBe('forbidden');
  });

  it('has a CSP without eval, inline scripts or network', () => {
    const directives = new Map(ELECTRON_CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values] as const;
    }));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(ELECTRON_CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('names content types the renderer build uses', () => {
    expect(contentTypeFor('x/index.html')).toMatch(/^text\/html/);
    expect(contentTypeFor('x/a.JS')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('x/a.css')).toMatch(/^text\/css/);
    expect(contentTypeFor('x/a.bin')).toBe('application/octet-stream');
  });
});
