import { describe, expect, it } from 'vitest';
import { contentPathFor, fileIdFor } from './file-id';

describe('fileIdFor (protocol.md §5.2, vectors §8.4)', () => {
  it.each([
    ['HomeDomain', 'Library/SMS/sms.db', '3d0d7e5fb2ce288813306e4d4636395e047a3d28'],
    ['HomeDomain', 'Library/AddressBook/AddressBook.sqlitedb', '31bb7ba8914766d4ba40d6dfb6113c8b614be442'],
    ['CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.HEIC', '78564230ecf97df163e76713ce779e028c679bb6'],
    ['CameraRollDomain', 'Media/PhotoData/Photos.sqlite', '12b144c0bd44f2b3dffd9186d3f9c05b917cee25'],
    ['MyTestDomain', 'Media/Test.txt', '5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc'],
  ])('%s-%s → %s', (domain, relativePath, expected) => {
    expect(fileIdFor(domain, relativePath)).toBe(expected);
  });

  it('hashes non-ASCII paths as UTF-8', () => {
    expect(fileIdFor('HomeDomain', 'Média/é')).not.toBe(fileIdFor('HomeDomain', 'Media/e'));
    expect(fileIdFor('HomeDomain', 'Média/é')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('puts content under the first two hex digits', () => {
    expect(contentPathFor('3d0d7e5fb2ce288813306e4d4636395e047a3d28')).toBe('3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28');
  });
});
