import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refusingDirectWriteSync, refusingMemory, takesDirect } from '../../../../test/helpers/direct-write-systems';
import { DIRECT_MIN_BYTES, NewFileWrites } from './new-file-writes';
import { StreamedNewFile } from './streamed-new-file';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-new-file-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

// Around the threshold, whole blocks and not, and past the 8 MiB staging memory (two writes).
const SIZES = [0, 1, 4095, DIRECT_MIN_BYTES - 1, DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 1, 3 * 1024 * 1024 + 4096, 2_750_123, 8 * 1024 * 1024 + 123, 12 * 1024 * 1024];

describe('NewFileWrites', () => {
  it('creates each file with exactly its bytes and mode, big ones around the page cache where the disk allows', () => {
    const writes = new NewFileWrites();
    const expected = new Map<string, Buffer>();
    // One after another, so a file shorter than the one before cannot keep the earlier file's bytes past its end.
    for (const size of [...SIZES, ...[...SIZES].reverse()]) {
      const file = path.join(dir, `f-${expected.size}`);
      const content = randomBytes(size);
      // A view into a bigger buffer at an odd offset, as a batch buffer's file is.
      const holder = Buffer.alloc(size + 7);
      content.copy(holder, 3);
      writes.create(file, holder.subarray(3, 3 + size), 0o600);
      expected.set(file, content);
    }
    for (const [file, content] of expected) {
      const stat = fs.statSync(file);
      expect(stat.size, file).toBe(content.length);
      expect(stat.mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file).equals(content), file).toBe(true);
    }
    const big = [...expected.values()].filter((content) => content.length >= DIRECT_MIN_BYTES).length;
    expect(writes.directFiles).toBe(takesDirect(dir) ? big : 0);
  });

  it('never opens an existing name: EEXIST, and the file (or the file it links to) is untouched', () => {
    const writes = new NewFileWrites();
    for (const size of [100, DIRECT_MIN_BYTES * 2]) {
      const other = path.join(dir, `other-${size}`);
      const file = path.join(dir, `taken-${size}`);
      fs.writeFileSync(other, 'before');
      fs.linkSync(other, file);
      expect(() => writes.create(file, randomBytes(size), 0o600)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(fs.readFileSync(other, 'utf8')).toBe('before');
    }
  });

  it('writes the ordinary way when told not to go around the page cache', () => {
    const writes = new NewFileWrites({ direct: false });
    const content = randomBytes(DIRECT_MIN_BYTES + 5);
    writes.create(path.join(dir, 'plain'), content, 0o600);
    expect(fs.readFileSync(path.join(dir, 'plain')).equals(content)).toBe(true);
    expect(writes.directFiles).toBe(0);
  });

  // Files of 1 MiB and up, past the 8 MiB staging memory too, with and without a partial last block.
  const BIG = [DIRECT_MIN_BYTES, 3 * 1024 * 1024 + 5, 8 * 1024 * 1024 + 123];

  it.skipIf(!takesDirect(os.tmpdir()))('writes the exact bytes the ordinary way when the file system takes O_DIRECT at open and refuses the write', () => {
    const writes = new NewFileWrites({ system: refusingDirectWriteSync() });
    for (const size of BIG) {
      const content = randomBytes(size);
      writes.create(path.join(dir, `refused-${size}`), content, 0o600);
      expect(fs.readFileSync(path.join(dir, `refused-${size}`)).equals(content)).toBe(true);
    }
    expect(writes.directFiles).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(BIG.map((size) => `refused-${size}`).sort());
  });

  it('writes the ordinary way when no page-aligned staging memory can be had (address space limits)', () => {
    const writes = new NewFileWrites({ system: refusingMemory() });
    for (const size of BIG) {
      const content = randomBytes(size);
      writes.create(path.join(dir, `plain-${size}`), content, 0o600);
      expect(fs.readFileSync(path.join(dir, `plain-${size}`)).equals(content)).toBe(true);
    }
    expect(writes.directFiles).toBe(0);
  });
});

describe('file systems that are not a local disk', () => {
  // tmpfs takes O_DIRECT since Linux 6.6, as NFS and SMB shares do; none is a disk the page cache sits in front of.
  const shm = '/dev/shm';
  const tmpfs = fs.constants.O_DIRECT !== undefined && fs.existsSync(shm) && Number(fs.statfsSync(shm).type) === 0x01021994;

  it.skipIf(!tmpfs)('write the ordinary way even when they take O_DIRECT (tmpfs here, NFS and SMB elsewhere)', async () => {
    const folder = fs.mkdtempSync(path.join(shm, 'lifeboat-new-file-'));
    try {
      const writes = new NewFileWrites();
      const content = randomBytes(DIRECT_MIN_BYTES * 2 + 5);
      writes.create(path.join(folder, 'whole'), content, 0o600);
      expect(writes.directFiles).toBe(0);
      expect(fs.readFileSync(path.join(folder, 'whole')).equals(content)).toBe(true);
      const streamed = await StreamedNewFile.create(path.join(folder, 'streamed'), 0o600);
      expect(streamed.isDirect).toBe(false);
      await streamed.append(content);
      await streamed.close();
      expect(fs.readFileSync(path.join(folder, 'streamed')).equals(content)).toBe(true);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
