import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPhotos, PhotoImportError } from '../../src/main/photos';
import { dcimEntries, DCIM_PREFIX, filesUnder, pairedPhonePerTest, partialFilesUnder } from './import-helpers';

/** Photo import when the phone's roll is not tidy: files vanish, names are odd, replies are broken. */

const setUp = pairedPhonePerTest('photos');

describe('photo import edge cases', () => {
  it('reports a file deleted on the phone during the import and copies all the others', async () => {
    const { h, udid, destination } = await setUp();
    const phone = h.sim.device(udid).phone;
    const onPhone = [...dcimEntries(phone).entries()];
    const [victimPath, victim] = onPhone.at(-1) ?? [];
    if (!victim || !victimPath) throw new Error('the phone has no photos');
    let deleted = false;
    const result = await importPhotos({
      muxAddress: h.sim.address,
      destination,
      onProgress: (event) => {
        if (!deleted && event.phase === 'copying') {
          deleted = true;
          phone.removeEntry(victim.domain, victim.relativePath);
        }
      },
    });
    expect(result.failed).toEqual([{ path: victimPath, reason: 'No longer on the iPhone: it was deleted while the photos were being copied.' }]);
    expect(result.imported).toBe(onPhone.length - 1);
    expect(filesUnder(destination)).toHaveLength(onPhone.length - 1);
    expect(partialFilesUnder(destination)).toEqual([]);
  });

  it('makes names this computer cannot use safe, lists one it cannot, and ignores hidden files', async () => {
    const { h, udid, destination } = await setUp();
    const phone = h.sim.device(udid).phone;
    const birth = Date.UTC(2020, 5, 15, 12) / 1000;
    const base = { domain: 'CameraRollDomain', kind: 'file' as const, mode: 0o100644, uid: 501, gid: 501, mtime: birth, ctime: birth, birth, protectionClass: 3 };
    await phone.writeFile({ ...base, relativePath: `${DCIM_PREFIX}100APPLE/odd:name?.PNG` }, Buffer.from('not really a png'));
    await phone.writeFile({ ...base, relativePath: `${DCIM_PREFIX}100APPLE/.hidden.JPG` }, Buffer.from('hidden'));
    // Longer than a file name may be here once the partial suffix is added: no safe form of it.
    const tooLong = `${DCIM_PREFIX}100APPLE/${'L'.repeat(260)}.JPG`;
    await phone.writeFile({ ...base, relativePath: tooLong }, Buffer.from('a long name'));
    const result = await importPhotos({ muxAddress: h.sim.address, destination });
    // Said of the file at `path`, without its name again (the name is the problem, and long).
    expect(result.failed).toEqual([{ path: `/${tooLong.replace(/^Media\//, '')}`, reason: 'Its name cannot be used as a file name on this computer.' }]);
    const odd = result.importedFiles.find((file) => file.devicePath.endsWith('odd:name?.PNG'));
    const month = new Date(birth * 1000);
    expect(odd?.destination).toBe(`${month.getFullYear()}/${String(month.getMonth() + 1).padStart(2, '0')}/odd_name_.PNG`);
    expect(odd?.captureSource).toBe('file-created');
    expect(fs.readFileSync(path.join(destination, ...(odd?.destination ?? '').split('/')), 'utf8')).toBe('not really a png');
    expect(result.importedFiles.some((file) => file.devicePath.includes('.hidden'))).toBe(false);
  });

  it('stops with a protocol error, not a crash, when the phone sends malformed AFC replies', async () => {
    const { h, udid, destination } = await setUp();
    h.sim.device(udid).setFaults({ malformedReplies: 'afc' });
    const error = await importPhotos({ muxAddress: h.sim.address, destination }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PhotoImportError);
    expect((error as PhotoImportError).code).toBe('protocol');
    expect((error as PhotoImportError).message).toMatch(/does not understand/);
    expect(filesUnder(destination)).toEqual([]);
  });
});
