import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../phone/seeded-random';
import { type MbFileInfo, archiveMbFile, encodeMbFile } from './mbfile';

const NAMES = ['$null', '$class', 'root', 'MBFile', 'NSObject', 'RelativePath', '$objects', 'NSKeyedArchiver', ''];

function randomInfo(random: SeededRandom, index: number): MbFileInfo {
  const pick = (values: readonly number[]): number => random.pick(values);
  const number = (): number => pick([0, 1, 255, 256, 65535, 65536, 0xffffffff, 2 ** 32, random.int(0, 2 ** 31), 2 ** 40]);
  const path =
    index % 17 === 0 ? random.pick(NAMES) :
    index % 5 === 0 ? `Library/Ünïcödé ${index}/${'x'.repeat(random.int(0, 300))}` :
    `Documents/${'d'.repeat(random.int(0, 70))}/file-${index}.txt`;
  return {
    relativePath: path,
    mode: pick([0o100644, 0o040755, 0o120755]),
    inode: number(),
    uid: pick([0, 501]),
    gid: pick([0, 501]),
    mtime: number(),
    ctime: number(),
    birth: number(),
    size: number(),
    protectionClass: random.int(0, 4),
    ...(index % 7 === 0 ? { flags: number() } : {}),
    ...(index % 23 === 0 ? { linkTarget: '/var/mobile/x' } : {}),
    ...(index % 29 === 0 ? { encryptionKey: Buffer.alloc(44, 3) } : {}),
  };
}

describe('the plain-MBFile fast path', () => {
  it('gives exactly the bytes of the general archiver', () => {
    const random = new SeededRandom('mbfile-template');
    for (let index = 0; index < 3000; index++) {
      const info = randomInfo(random, index);
      expect(encodeMbFile(info).equals(archiveMbFile(info)), JSON.stringify(info)).toBe(true);
    }
  });

  it('leaves rows it cannot take to the general archiver, errors included', () => {
    const info: MbFileInfo = { relativePath: 'a', mode: 0o100644, inode: 1, uid: 501, gid: 501, mtime: -5, ctime: 1, birth: 1, size: 1, protectionClass: 3 };
    expect(encodeMbFile(info).equals(archiveMbFile(info))).toBe(true);
    expect(() => encodeMbFile({ ...info, size: 1.5 })).toThrow(/integers/);
  });
});
