import { describe, expect, it } from 'vitest';
import { appDataFiles, type MakeFile } from './app-data-files';
import { PROFILE_SPECS } from './profiles';
import { SeededRandom } from './seeded-random';

const app = { bundleId: 'net.whatsapp.WhatsApp', name: 'WhatsApp', version: '1.0', bundlePath: '/x/WhatsApp.app' };
const make: MakeFile = (domain, relativePath, generator, options) => ({
  domain, relativePath, kind: 'file', uid: 501, mtime: 1, birth: 1, protectionClass: 3,
  content: { generator, key: relativePath, size: options.size, params: {} },
});

describe('app data layout of the huge profile', () => {
  it('spreads an app\'s files over the folders real apps fill, deterministically and without duplicates', () => {
    const files = [...appDataFiles(make, new SeededRandom(7, 'apps-data'), app, 1000, [100, 4000])];
    const again = [...appDataFiles(make, new SeededRandom(7, 'apps-data'), app, 1000, [100, 4000])];
    expect(files).toHaveLength(1000);
    expect(again.map((file) => file.relativePath)).toEqual(files.map((file) => file.relativePath));
    expect(new Set(files.map((file) => file.relativePath)).size).toBe(1000);
    const folders = new Map<string, number>();
    for (const file of files) {
      const folder = file.relativePath.slice(0, file.relativePath.lastIndexOf('/'));
      folders.set(folder, (folders.get(folder) ?? 0) + 1);
    }
    expect(folders.get('Library/Caches/net.whatsapp.WhatsApp/fsCachedData')).toBe(400);
    expect([...folders.keys()].filter((folder) => folder.startsWith('Library/Application Support/WhatsApp/objects/'))).toHaveLength(256);
    expect(folders.get('Documents/WhatsApp Media/2022-01')).toBeGreaterThan(0);
    for (const file of files) {
      expect(file.domain).toBe('AppDomain-net.whatsapp.WhatsApp');
      const size = file.content && !Buffer.isBuffer(file.content) ? file.content.size : -1;
      expect(size).toBeGreaterThanOrEqual(100);
      expect(size).toBeLessThanOrEqual(4000);
    }
  });

  it('makes the huge profile a phone of about a million files, nearly all of them small', () => {
    const spec = PROFILE_SPECS.huge;
    const files = spec.appDocuments + spec.messageAttachments + spec.photos + spec.screenshots + spec.voiceMemos;
    expect(files).toBeGreaterThan(950_000);
    expect(files).toBeLessThan(1_100_000);
    expect(spec.appLayout).toBe('app-data');
    expect(spec.appDocumentBytes[1]).toBeLessThanOrEqual(4096);
  });
});
