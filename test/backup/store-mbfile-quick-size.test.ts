import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/main/backup/backup-error';
import { decodeMbFile, mbFileKindAndSize } from '../../src/main/backup/store';
import { BinaryPlistLookup, PlistUid, encodeBinaryPlist } from '../../src/main/device/codec';
import { assembleBplist } from '../../src/main/device/codec/test-support/hostile-plists';

/** A bplist ASCII string object (marker 0x5N), N < 15. */
const ascii = (text: string): Buffer => Buffer.concat([Buffer.from([0x50 | text.length]), Buffer.from(text, 'latin1')]);
/** A bplist UTF-16BE string object (marker 0x6N, N code units), N < 15: how some writers store every string. */
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0x60 | text.length]), Buffer.from(text, 'utf16le').swap16()]);
const int16 = (value: number): Buffer => Buffer.from([0x11, value >> 8, value & 0xff]);

/**
 * An archived MBFile by hand: objects 0-7 are the archive around it ($top.root = UID 1 into
 * $objects = ['$null', record]); object 8 is the record, a dict of `entries` (key object, value object).
 */
function archivedRecord(entries: ReadonlyArray<readonly [Buffer, Buffer]>): Buffer {
  const n = entries.length;
  const keyRefs = entries.map((_, i) => 9 + 2 * i);
  const valueRefs = entries.map((_, i) => 10 + 2 * i);
  return assembleBplist([
    Buffer.from([0xd2, 1, 2, 3, 4]), // 0: {$top: 3, $objects: 4}
    ascii('$top'), // 1
    ascii('$objects'), // 2
    Buffer.from([0xd1, 5, 6]), // 3: {root: UID 1}
    Buffer.from([0xa2, 7, 8]), // 4: ['$null', record]
    ascii('root'), // 5
    Buffer.from([0x80, 0x01]), // 6
    ascii('$null'), // 7
    Buffer.from([0xd0 | n, ...keyRefs, ...valueRefs]), // 8: the record
    ...entries.flatMap(([key, value]) => [key, value]),
  ]);
}

const agrees = (blob: Buffer, flags: number): void => {
  const { kind, size } = decodeMbFile(blob, flags);
  expect(mbFileKindAndSize(blob, flags)).toEqual({ kind, size });
};

describe('mbFileKindAndSize reads what decodeMbFile reads, or leaves the record to it', () => {
  it('a record whose keys are UTF-16 strings: the real size, not 0', () => {
    const blob = archivedRecord([
      [utf16('Size'), int16(4096)],
      [utf16('Mode'), int16(0o100644)],
    ]);
    expect(decodeMbFile(blob, 1).size).toBe(4096);
    for (const flags of [1, 0]) agrees(blob, flags);
    expect(mbFileKindAndSize(blob, 0)).toEqual({ kind: 'file', size: 4096 });
  });

  it('a record with an ASCII Size and a UTF-16 Mode, or the key twice (the full decoder keeps the last)', () => {
    agrees(archivedRecord([[ascii('Size'), int16(10)], [utf16('Mode'), int16(0o100644)]]), 0);
    agrees(archivedRecord([[ascii('Size'), int16(10)], [utf16('Size'), int16(300)]]), 1);
    agrees(archivedRecord([[ascii('Size'), int16(10)], [ascii('Size'), int16(300)]]), 1);
    expect(mbFileKindAndSize(archivedRecord([[ascii('Size'), int16(10)], [ascii('Size'), int16(300)]]), 1).size).toBe(300);
  });

  it('a record without Size is decoded whole: 0 when it is whole, its BackupError when it is damaged', () => {
    agrees(archivedRecord([[ascii('Mode'), int16(0o100644)]]), 1);
    agrees(archivedRecord([]), 0);
    // No Size, and a value that points past the objects: decodeMbFile refuses it, so must the quick path.
    const damaged = archivedRecord([
      [ascii('Mode'), int16(0o100644)],
      [ascii('Name'), Buffer.from([0x80, 0x01])],
    ]);
    const record = damaged.indexOf(Buffer.from([0xd2, 9, 11, 10, 12]));
    damaged[record + 4] = 0xa1; // the record's 2nd value now points at object 0xa1, past the 13 there are
    expect(() => decodeMbFile(damaged, 1)).toThrow(BackupError);
    expect(() => mbFileKindAndSize(damaged, 1)).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });

  it('the usual record (ASCII keys, plain integers): Size found by the quick reader, and the same answer', () => {
    const blob = encodeBinaryPlist({ $top: { root: new PlistUid(1) }, $objects: ['$null', { Size: 77, Mode: 0o100644, RelativePath: 'a/b' }] });
    const plist = BinaryPlistLookup.open(blob);
    const root = plist && plist.arrayItem(plist.dictValue(plist.top, '$objects') as number, 1);
    expect(root !== undefined && plist?.integer(plist.dictValue(root, 'Size') as number)).toBe(77);
    agrees(blob, 0);
  });

  it('hostile bytes: truncated, flipped, huge counts and self-references end in an answer or a corrupt BackupError, quickly', () => {
    const base = encodeBinaryPlist({ $version: 100000, $top: { root: new PlistUid(1) }, $objects: ['$null', { Size: 4096, Mode: 0o100644, RelativePath: 'Library/x.db', InodeNumber: 12 }] });
    const blobs: Buffer[] = [];
    for (let cut = 0; cut < base.length; cut += 1) blobs.push(base.subarray(0, cut), Buffer.concat([base.subarray(cut)]));
    let seed = 0x2545f491;
    const random = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let i = 0; i < 3000; i += 1) {
      const mutated = Buffer.from(base);
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips -= 1) mutated[Math.floor(random() * mutated.length)] = [0x0f, 0xff, 0xdf, 0xaf, 0x5f, 0x6f, 0x80, 0x00][Math.floor(random() * 8)] ?? 0;
      blobs.push(mutated);
    }
    // A dict claiming 2^32-1 entries, an array that holds itself as the record, a UID chain that loops.
    blobs.push(assembleBplist([Buffer.from([0xdf, 0x12, 0xff, 0xff, 0xff, 0xff])]));
    blobs.push(assembleBplist([Buffer.from([0xd2, 1, 2, 3, 4]), ascii('$top'), ascii('$objects'), Buffer.from([0xd1, 5, 6]), Buffer.from([0xa2, 4, 4]), ascii('root'), Buffer.from([0x80, 0x01])]));
    blobs.push(assembleBplist([Buffer.from([0xd2, 1, 2, 3, 4]), ascii('$top'), ascii('$objects'), Buffer.from([0xd1, 5, 6]), Buffer.from([0xa2, 6, 6]), ascii('root'), Buffer.from([0x80, 0x01])]));
    const started = performance.now();
    for (const blob of blobs) {
      for (const flags of [0, 1]) {
        let quick: unknown;
        try {
          quick = mbFileKindAndSize(blob, flags);
        } catch (error) {
          expect(error).toBeInstanceOf(BackupError);
          expect((error as BackupError).code).toBe('corrupt');
          continue;
        }
        // A record damaged away from Size and Mode is sized without decodeMbFile's refusal (it does
        // not read the rest); where decodeMbFile reads the record, both must agree.
        let whole: { kind: string; size: number } | undefined;
        try {
          whole = decodeMbFile(blob, flags);
        } catch {
          whole = undefined;
        }
        if (whole !== undefined) expect(quick).toEqual({ kind: whole.kind, size: whole.size });
      }
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
