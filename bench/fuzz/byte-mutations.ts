import type { FuzzRandom } from './fuzz-random';

/** Values that break length and count fields: zero, one, sign bits, all ones, off-by-one limits. */
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 4096, 4097, 64 * 1024 * 1024 + 1];

/**
 * One to four classic mutations of a valid sample (bit flips, interesting numbers written over
 * length fields, truncation, a slice repeated or removed, random bytes inserted), the way AFL and
 * libFuzzer start from a corpus. `protectedRanges` are left alone (a keybag's iteration counts,
 * which have their own generator: a random flip there only buys a slow case, not a new finding).
 */
export function mutateBytes(random: FuzzRandom, sample: Buffer, protectedRanges: readonly (readonly [number, number])[] = []): Buffer {
  let bytes = Buffer.from(sample);
  const free = (offset: number): boolean => !protectedRanges.some(([start, end]) => offset >= start && offset < end);
  const rounds = 1 + random.int(4);
  for (let round = 0; round < rounds; round += 1) {
    if (bytes.length === 0) return random.bytes(1 + random.int(64));
    const at = random.int(bytes.length);
    switch (random.int(8)) {
      case 0:
        if (free(at)) bytes[at] = (bytes[at] as number) ^ (1 << random.int(8));
        break;
      case 1:
        if (free(at)) bytes[at] = random.pick([0, 0xff, 0x7f, 0x80, 0x2f, 0x2e, 0x00]);
        break;
      case 2:
        if (at + 4 <= bytes.length && free(at) && free(at + 3)) {
          const value = random.pick(INTERESTING_U32);
          if (random.chance(0.5)) bytes.writeUInt32BE(value >>> 0, at);
          else bytes.writeUInt32LE(value >>> 0, at);
        }
        break;
      case 3:
        bytes = bytes.subarray(0, at);
        break;
      case 4: {
        const length = 1 + random.int(Math.min(64, bytes.length - at));
        const slice = bytes.subarray(at, at + length);
        bytes = Buffer.concat([bytes.subarray(0, at), slice, slice, bytes.subarray(at)]);
        break;
      }
      case 5: {
        const length = 1 + random.int(Math.min(64, bytes.length - at));
        if (free(at) && free(at + length - 1)) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]);
        break;
      }
      case 6:
        bytes = Buffer.concat([bytes.subarray(0, at), random.bytes(1 + random.int(16)), bytes.subarray(at)]);
        break;
      default: {
        const from = random.int(bytes.length);
        const length = 1 + random.int(Math.min(32, bytes.length - from));
        if (free(at)) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(from, from + length), bytes.subarray(at)]);
      }
    }
  }
  return bytes;
}
